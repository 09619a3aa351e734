"""Fault injection: error answers by code, added latency, dropped connections, and lost answers.

Errors, drops and latency strike before the action: a faulted call never reaches
the state. A lost answer strikes after it: a write action runs and its result is
kept (and saved to the state file), then the caller gets no usable answer, the
case in which a client that retries blindly duplicates what it created. Modes:

- ``drop``: the connection is closed with no response;
- ``timeout``: the connection is held ``lost_answer_hold_seconds`` (longer than a
  client's read timeout), then closed with no response;
- a 5xx code of the catalogue (``InternalError``, ``ServiceUnavailable``, ...):
  that error is answered.

Settings come from CLI flags and can be replaced at run time through
``POST /_emulator/faults``. One roll per call picks at most one fault: drop,
then each error code, then (for write actions only) each lost-answer mode, so
every rate is a fraction of calls and they sum to at most 1. With a ``seed`` the
sequence of decisions is reproducible (one random stream, re-seeded whenever the
settings change).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flowlog_operator.emulator import documents
from flowlog_operator.emulator.errors import CATALOGUE

MAX_LATENCY_MS = 600_000.0  # ten minutes; a pause is cut short when the emulator stops
MAX_HOLD_SECONDS = 600.0
DEFAULT_HOLD_SECONDS = 15.0  # beyond the usual 10 s read timeout of the SDK and of the operator
LOST_DROP, LOST_TIMEOUT = "drop", "timeout"
LOST_ERROR_CODES = tuple(code for code, spec in CATALOGUE.items() if spec.status >= 500)
LOST_ANSWER_MODES = (LOST_DROP, LOST_TIMEOUT, *LOST_ERROR_CODES)
_KNOWN_KEYS = (
    "error_rates",
    "latency_ms",
    "latency_jitter_ms",
    "drop_rate",
    "lost_answer_rates",
    "lost_answer_hold_seconds",
    "actions",
    "seed",
)


def _rate(value: object, name: str) -> float:
    return documents.number(value, name, minimum=0.0, maximum=1.0)


def _latency(value: object, name: str) -> float:
    return documents.number(value, name, minimum=0.0, maximum=MAX_LATENCY_MS)


def _hold(value: object, name: str) -> float:
    seconds = documents.number(value, name, minimum=0.0, maximum=MAX_HOLD_SECONDS)
    if seconds <= 0:
        raise documents.DocumentError(f"{name} must be more than 0, got {documents.show(value)}")
    return seconds


def _rates(value: object, name: str) -> dict[str, float]:
    return {
        key: _rate(rate, documents.key_name(name, key))
        for key, rate in documents.mapping(value, name).items()
    }


@dataclass
class FaultSettings:
    error_rates: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    drop_rate: float = 0.0
    lost_answer_rates: dict[str, float] = field(default_factory=dict)  # mode -> fraction of write calls
    lost_answer_hold_seconds: float = DEFAULT_HOLD_SECONDS
    actions: list[str] | None = None  # None: every action
    seed: int | None = None

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> FaultSettings:
        """The ``POST /_emulator/faults`` body; a missing or null key means "none"."""
        unknown = [key for key in doc if key not in _KNOWN_KEYS]
        if unknown:
            shown = ", ".join(documents.show(key) for key in unknown[:5])
            raise documents.DocumentError(f"unknown fault settings {shown}; known: {', '.join(_KNOWN_KEYS)}")

        def given(key: str, default: object = None) -> object:
            value = doc.get(key)
            return default if value is None else value

        actions, seed = given("actions"), given("seed")
        settings = cls(
            error_rates=_rates(given("error_rates", {}), "error_rates"),
            latency_ms=_latency(given("latency_ms", 0.0), "latency_ms"),
            latency_jitter_ms=_latency(given("latency_jitter_ms", 0.0), "latency_jitter_ms"),
            drop_rate=_rate(given("drop_rate", 0.0), "drop_rate"),
            lost_answer_rates=_rates(given("lost_answer_rates", {}), "lost_answer_rates"),
            lost_answer_hold_seconds=_hold(
                given("lost_answer_hold_seconds", DEFAULT_HOLD_SECONDS), "lost_answer_hold_seconds"
            ),
            actions=documents.string_list(actions, "actions") if actions is not None else None,
            seed=documents.integer(seed, "seed", minimum=-(2**63), maximum=2**63 - 1)
            if seed is not None
            else None,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Every rate within [0, 1] and all of them summing to at most 1; latencies finite, not negative."""
        _rates(self.error_rates, "error_rates")
        _rate(self.drop_rate, "drop_rate")
        _rates(self.lost_answer_rates, "lost_answer_rates")
        _latency(self.latency_ms, "latency_ms")
        _latency(self.latency_jitter_ms, "latency_jitter_ms")
        _hold(self.lost_answer_hold_seconds, "lost_answer_hold_seconds")
        unknown = [code for code in self.error_rates if code not in CATALOGUE]
        if unknown:
            shown = ", ".join(documents.show(code) for code in unknown[:5])
            raise documents.DocumentError(f"error_rates: unknown error codes {shown}")
        modes = [mode for mode in self.lost_answer_rates if mode not in LOST_ANSWER_MODES]
        if modes:
            shown = ", ".join(documents.show(mode) for mode in modes[:5])
            raise documents.DocumentError(
                f"lost_answer_rates: unknown modes {shown}; use {LOST_DROP}, {LOST_TIMEOUT} or a 5xx code "
                f"({', '.join(LOST_ERROR_CODES)})"
            )
        total = sum(self.error_rates.values()) + self.drop_rate + sum(self.lost_answer_rates.values())
        if total > 1.0 + 1e-9:
            raise documents.DocumentError(
                f"error_rates, drop_rate and lost_answer_rates must sum to at most 1, got {total:g}"
            )

    def to_document(self) -> dict[str, Any]:
        return {
            "error_rates": dict(self.error_rates),
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "drop_rate": self.drop_rate,
            "lost_answer_rates": dict(self.lost_answer_rates),
            "lost_answer_hold_seconds": self.lost_answer_hold_seconds,
            "actions": list(self.actions) if self.actions is not None else None,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class FaultDecision:
    delay_seconds: float = 0.0
    drop: bool = False
    error_code: str | None = None
    lost_answer: str | None = None  # a mode of LOST_ANSWER_MODES: run the action, then lose its answer
    hold_seconds: float = 0.0  # for the timeout mode


class FaultInjector:
    def __init__(self, settings: FaultSettings, write_actions: Iterable[str] = ()) -> None:
        self.settings = settings
        self.write_actions = frozenset(write_actions)
        self._random = random.Random(settings.seed)

    def replace(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)

    def decide(self, action: str) -> FaultDecision:
        settings = self.settings
        if settings.actions is not None and action not in settings.actions:
            return FaultDecision()
        delay = settings.latency_ms / 1000.0
        if settings.latency_jitter_ms:
            delay += self._random.uniform(0.0, settings.latency_jitter_ms) / 1000.0
        if not settings.drop_rate and not settings.error_rates and not settings.lost_answer_rates:
            return FaultDecision(delay_seconds=delay)
        roll = self._random.random()
        if roll < settings.drop_rate:
            return FaultDecision(delay_seconds=delay, drop=True)
        threshold = settings.drop_rate
        for code, rate in settings.error_rates.items():
            threshold += rate
            if roll < threshold:
                return FaultDecision(delay_seconds=delay, error_code=code)
        if action in self.write_actions:
            for mode, rate in settings.lost_answer_rates.items():
                threshold += rate
                if roll < threshold:
                    hold = settings.lost_answer_hold_seconds if mode == LOST_TIMEOUT else 0.0
                    return FaultDecision(delay_seconds=delay, lost_answer=mode, hold_seconds=hold)
        return FaultDecision(delay_seconds=delay)
