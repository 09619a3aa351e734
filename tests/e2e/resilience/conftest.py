"""Fixtures of the resilience suite: the CRD, an emulator with a state file, operator processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from resilience_fleet import OPERATOR_ENV, emulator_args

from support.emulator import EmulatorProcess
from support.flowlogs import install_crd
from support.operator import OperatorProcess
from support.resilience import assert_several_per_resource_allowed


@pytest.fixture(scope="session")
def crd(control_plane: Any) -> Any:
    install_crd(control_plane)
    return control_plane


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator with one-second transitions, room for thousands of flow logs, and a state file.

    It accepts several flow logs per resource: a duplicate is not refused, so only the operator's own
    guard can prevent one.
    """
    with EmulatorProcess(*emulator_args(tmp_path)) as emulator:
        assert_several_per_resource_allowed(emulator.account())
        yield emulator


@pytest.fixture
def operators() -> Iterator[Callable[..., OperatorProcess]]:
    started: list[OperatorProcess] = []

    def make(cluster: Any, emulator: EmulatorProcess, namespace: str, **env: str) -> OperatorProcess:
        process = OperatorProcess(
            cluster.kubeconfig, emulator.url, namespaces=(namespace,), env={**OPERATOR_ENV, **env}
        )
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
