"""Everything the emulator can be told at start: one dataclass, filled by the CLI or by Python callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowlog_operator.emulator.faults import FaultSettings
from flowlog_operator.emulator.ratelimit import DEFAULT_RATE_LIMITS, RateLimit

DEFAULT_ACCESS_KEYS = {"emulator": "emulator-secret"}


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    access_keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ACCESS_KEYS))
    activation_delay: float = 2.0
    deactivation_delay: float = 1.0
    deletion_delay: float = 1.0
    flowlog_quota: int = 50
    # Lift the one-flow-log-per-resource refusal (InvalidResourceId.NotFound), for resilience tests only.
    allow_several_flowlogs_per_resource: bool = False
    service_enabled: bool = True
    inventory: dict[str, Any] | None = None  # None: the built-in default inventory
    state_file: Path | None = None
    rate_limits: dict[str, RateLimit] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_limits_enabled: bool = True
    faults: FaultSettings = field(default_factory=FaultSettings)
    max_clock_skew_seconds: float = 900.0
    sts_duration_seconds: float | None = None  # forces every issued credential's lifetime (any value > 0)
    expected_oidc_token: str | None = None  # when set, AssumeRoleWithOIDC accepts only this token
