"""Fixtures for the operator's end-to-end tests: the CRD, an emulator, operator processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, install_crd
from support.operator import OperatorProcess


@pytest.fixture(scope="session")
def crd(control_plane: Any) -> Any:
    install_crd(control_plane)
    return control_plane


@pytest.fixture
def cloud() -> Iterator[EmulatorProcess]:
    """An emulator with one-second transitions and the built-in inventory."""
    with EmulatorProcess(
        "--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1"
    ) as emulator:
        yield emulator


@pytest.fixture
def operator_factory(crd: Any, cloud: EmulatorProcess) -> Iterator[Callable[..., OperatorProcess]]:
    started: list[OperatorProcess] = []

    def start(*, emulator: EmulatorProcess | None = None, **kwargs: Any) -> OperatorProcess:
        process = OperatorProcess(crd.kubeconfig, (emulator or cloud).url, **kwargs)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def flowlogs(crd: Any, namespace: str) -> FlowLogs:
    return FlowLogs(crd, namespace)
