"""Fault injection: error answers by code, added latency, dropped connections.

Settings come from CLI flags and can be replaced at run time through
``POST /_emulator/faults``. With a ``seed`` the sequence of decisions is
reproducible (one random stream, re-seeded whenever the settings change).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from flowlog_operator.emulator import documents
from flowlog_operator.emulator.errors import CATALOGUE

MAX_LATENCY_MS = 600_000.0  # ten minutes; a pause is cut short when the emulator stops
_KNOWN_KEYS = ("error_rates", "latency_ms", "latency_jitter_ms", "drop_rate", "actions", "seed")


def _rate(value: object, name: str) -> float:
    return documents.number(value, name, minimum=0.0, maximum=1.0)


def _latency(value: object, name: str) -> float:
    return documents.number(value, name, minimum=0.0, maximum=MAX_LATENCY_MS)


@dataclass
class FaultSettings:
    error_rates: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    drop_rate: float = 0.0
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
            error_rates={
                code: _rate(rate, documents.key_name("error_rates", code))
                for code, rate in documents.mapping(given("error_rates", {}), "error_rates").items()
            },
            latency_ms=_latency(given("latency_ms", 0.0), "latency_ms"),
            latency_jitter_ms=_latency(given("latency_jitter_ms", 0.0), "latency_jitter_ms"),
            drop_rate=_rate(given("drop_rate", 0.0), "drop_rate"),
            actions=documents.string_list(actions, "actions") if actions is not None else None,
            seed=documents.integer(seed, "seed", minimum=-(2**63), maximum=2**63 - 1)
            if seed is not None
            else None,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Every rate within [0, 1] and all of them summing to at most 1; latencies finite, not negative."""
        for code, rate in self.error_rates.items():
            _rate(rate, documents.key_name("error_rates", code))
        _rate(self.drop_rate, "drop_rate")
        _latency(self.latency_ms, "latency_ms")
        _latency(self.latency_jitter_ms, "latency_jitter_ms")
        unknown = [code for code in self.error_rates if code not in CATALOGUE]
        if unknown:
            shown = ", ".join(documents.show(code) for code in unknown[:5])
            raise documents.DocumentError(f"error_rates: unknown error codes {shown}")
        if sum(self.error_rates.values()) + self.drop_rate > 1.0 + 1e-9:
            raise documents.DocumentError("error_rates and drop_rate must sum to at most 1")

    def to_document(self) -> dict[str, Any]:
        return {
            "error_rates": dict(self.error_rates),
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "drop_rate": self.drop_rate,
            "actions": list(self.actions) if self.actions is not None else None,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class FaultDecision:
    delay_seconds: float = 0.0
    drop: bool = False
    error_code: str | None = None


class FaultInjector:
    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
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
        if not settings.drop_rate and not settings.error_rates:
            return FaultDecision(delay_seconds=delay)
        roll = self._random.random()
        if roll < settings.drop_rate:
            return FaultDecision(delay_seconds=delay, drop=True)
        threshold = settings.drop_rate
        for code, rate in settings.error_rates.items():
            threshold += rate
            if roll < threshold:
                return FaultDecision(delay_seconds=delay, error_code=code)
        return FaultDecision(delay_seconds=delay)
