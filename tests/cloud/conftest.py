"""Fixtures for tests that talk to the emulator over real HTTP: one fresh process per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

FAST_DELAYS = ("--activation-delay", "0.3", "--deactivation-delay", "0.3", "--deletion-delay", "0.3")


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., EmulatorProcess]]:
    """Start an emulator with custom arguments (fast delays unless overridden); all stopped at teardown."""
    started: list[EmulatorProcess] = []

    def start(*args: str, fast: bool = True) -> EmulatorProcess:
        process = EmulatorProcess(*(FAST_DELAYS if fast else ()), *args)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.close()


@pytest.fixture
def emulator(emulator_factory: Callable[..., EmulatorProcess]) -> EmulatorProcess:
    """An emulator with 0.3 s transitions and the built-in inventory."""
    return emulator_factory()


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[EmulatorProcess]:
    """One emulator for a whole test module (fast delays); pair it with ``shared_caller``."""
    with EmulatorProcess(*FAST_DELAYS) as process:
        yield process


@pytest.fixture
def shared_caller(module_emulator: EmulatorProcess) -> Iterator[RawCaller]:
    """A caller for ``module_emulator``, reset to its starting state first."""
    module_emulator.reset()
    with RawCaller(module_emulator.url) as raw:
        yield raw


@pytest.fixture
def caller(emulator: EmulatorProcess) -> Iterator[RawCaller]:
    """Signs requests by hand for the ``emulator`` fixture (default key pair)."""
    raw = RawCaller(emulator.url)
    yield raw
    raw.close()
