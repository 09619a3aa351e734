"""Fault injection: error answers by code, added latency, dropped connections.

Settings come from CLI flags and can be replaced at run time through
``POST /_emulator/faults``. With a ``seed`` the sequence of decisions is
reproducible (one random stream, re-seeded whenever the settings change).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from flowlog_operator.emulator.errors import CATALOGUE


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
        known = {"error_rates", "latency_ms", "latency_jitter_ms", "drop_rate", "actions", "seed"}
        unknown = set(doc) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        rates = {str(code): float(rate) for code, rate in dict(doc.get("error_rates") or {}).items()}
        settings = cls(
            error_rates=rates,
            latency_ms=float(doc.get("latency_ms") or 0.0),
            latency_jitter_ms=float(doc.get("latency_jitter_ms") or 0.0),
            drop_rate=float(doc.get("drop_rate") or 0.0),
            actions=[str(a) for a in doc["actions"]] if doc.get("actions") is not None else None,
            seed=int(doc["seed"]) if doc.get("seed") is not None else None,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        probabilities = [*self.error_rates.values(), self.drop_rate]
        if any(not 0.0 <= p <= 1.0 for p in probabilities) or sum(probabilities) > 1.0 + 1e-9:
            raise ValueError("fault rates must each be within [0, 1] and sum to at most 1")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("latency must not be negative")
        unknown = [code for code in self.error_rates if code not in CATALOGUE]
        if unknown:
            raise ValueError(f"unknown error codes {unknown}")

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
