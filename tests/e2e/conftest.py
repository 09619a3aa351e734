"""End-to-end fixtures: a real control plane for the session, a fresh namespace per test.

The control plane is started here (binaries from ``make control-plane``) unless ``FLOWLOG_E2E_KUBECONFIG``
names an existing cluster. At session end the fixture checks that no process it started is still alive and
fails loudly if one is; ``pytest_sessionfinish`` repeats the check for runs where the fixture teardown never
ran.
Every test under this directory gets the ``e2e`` marker.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.controlplane import (
    ControlPlane,
    ControlPlaneError,
    ExistingCluster,
    leftover_processes,
)

E2E_DIR = Path(__file__).resolve().parent

# Figures of this run's control plane, printed in the terminal summary (start time, memory).
_STATS: dict[str, Any] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane | ExistingCluster]:
    existing = os.environ.get("FLOWLOG_E2E_KUBECONFIG")
    cp: ControlPlane | ExistingCluster
    try:
        cp = ExistingCluster(Path(existing).expanduser()) if existing else ControlPlane().start()
    except ControlPlaneError as exc:
        pytest.fail(f"control plane unavailable: {exc}", pytrace=False)
    if isinstance(cp, ControlPlane):
        _STATS["start_seconds"] = cp.started_seconds
        _STATS["rss"] = cp.rss()
    try:
        yield cp
    finally:
        started = cp.pids
        cp.stop()
        alive = [(pid, name) for pid, name in leftover_processes() if pid in started]
        if alive:
            pytest.fail(f"control-plane processes still running after stop(): {alive}", pytrace=False)


@pytest.fixture
def namespace(control_plane: ControlPlane | ExistingCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace unique to this test; deleted (without waiting) afterwards."""
    base = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower())[:40].strip("-")
    name = f"e2e-{base}-{uuid.uuid4().hex[:6]}"
    control_plane.kubectl("create", "namespace", name)
    yield name
    control_plane.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = leftover_processes()
    if left:
        # Loud, and fatal for the run; then clean up so the machine is not left with the processes.
        print(f"\nERROR: e2e left control-plane processes running: {left}; killing them")
        for pid, _name in left:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "start_seconds" in _STATS:
        rss = _STATS["rss"]
        parts = ", ".join(f"{name} {size / 2**20:.0f} MiB" for name, size in rss.items())
        terminalreporter.write_line(
            f"control plane: ready in {_STATS['start_seconds']:.1f}s; RSS after start: {parts} "
            f"(total {sum(rss.values()) / 2**20:.0f} MiB)"
        )
