"""Fixtures for the install tests: Helm releases, an emulator, and the operator run as the installed identity.

Pods never run on the test control plane (no nodes), so "the operator as installed" is the operator process
started here with a kubeconfig that carries only a token of the ServiceAccount the chart or the kustomize
base created, and with the non-secret ``FLOWLOG_*`` settings of the rendered Deployment. Only the installed
RBAC then stands between it and the API server.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from install_support import CHART, Cluster, Release, plain_settings

from support.controlplane import token_kubeconfig
from support.emulator import EmulatorProcess
from support.operator import OperatorProcess


@pytest.fixture
def helm_release(control_plane: Cluster, namespace: str) -> Iterator[Callable[..., Release]]:
    """``helm_release(*helm_args, namespace=...)`` installs the chart under a unique release name."""
    releases: list[Release] = []

    def install(*args: str, release_namespace: str | None = None, check: bool = True) -> Release:
        release = Release(control_plane, f"fo-{uuid.uuid4().hex[:6]}", release_namespace or namespace)
        releases.append(release)
        release.install = control_plane.helm(
            "install", release.name, str(CHART), "-n", release.namespace, *args, check=check
        )
        return release

    yield install
    for release in releases:
        if not release.uninstalled:
            release.cluster.helm("uninstall", release.name, "-n", release.namespace, check=False)


@pytest.fixture
def extra_namespace(control_plane: Cluster, namespace: str) -> Iterator[Callable[[str], str]]:
    """``extra_namespace(suffix)`` creates one more namespace for this test; all are deleted afterwards."""
    created: list[str] = []

    def create(suffix: str) -> str:
        name = f"{namespace}-{re.sub(r'[^a-z0-9-]', '', suffix)}"[:63].rstrip("-")
        control_plane.kubectl("create", "namespace", name)
        created.append(name)
        return name

    yield create
    for name in created:
        control_plane.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture
def cloud() -> Iterator[EmulatorProcess]:
    """The VPC API emulator with one-second transitions."""
    with EmulatorProcess(
        "--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1"
    ) as emulator:
        yield emulator


@pytest.fixture
def installed_operator(
    control_plane: Cluster, cloud: EmulatorProcess, tmp_path: Path
) -> Iterator[Callable[[str, str, dict[str, Any]], OperatorProcess]]:
    """``installed_operator(sa_namespace, sa_name, deployment)``: the operator as that ServiceAccount.

    The rendered Deployment's literal settings (FLOWLOG_NAMESPACES and the leader election among them)
    are passed on; the cloud endpoint and the emulator's key pair are this machine's. The Lease's
    namespace, which a Pod reads from its ServiceAccount, is the ServiceAccount's namespace.
    """
    started: list[OperatorProcess] = []

    def start(sa_namespace: str, sa_name: str, deployment: dict[str, Any]) -> OperatorProcess:
        kubeconfig = token_kubeconfig(
            control_plane, sa_namespace, sa_name, tmp_path / f"{sa_namespace}-{sa_name}.kubeconfig"
        )
        settings = plain_settings(deployment)
        settings["FLOWLOG_LOG_FORMAT"] = "plain"  # readable in a failure report
        if settings.get("FLOWLOG_LEADER_ELECTION") == "true":
            settings["FLOWLOG_LEADER_ELECTION_NAMESPACE"] = sa_namespace
        process = OperatorProcess(kubeconfig, cloud.url, env=settings)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
