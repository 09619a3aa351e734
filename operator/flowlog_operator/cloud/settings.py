"""Settings of the cloud client, from ``FLOWLOG_*`` environment variables, validated once at start.

| variable | default | meaning |
| --- | --- | --- |
| ``FLOWLOG_REGION`` | ``cn-hangzhou`` | region used when a call names none |
| ``FLOWLOG_VPC_ENDPOINT`` | (resolved per region) | e.g. ``http://127.0.0.1:8765`` for the emulator |
| ``FLOWLOG_STS_ENDPOINT`` | (resolved) | STS endpoint for RRSA |
| ``FLOWLOG_NETWORK`` | ``public`` | ``vpc`` selects the ``vpc-vpc.{region}`` endpoints |
| ``FLOWLOG_ALLOW_INSECURE_ENDPOINT`` | ``false`` | allow ``http://`` (never for Alibaba hosts) |
| ``FLOWLOG_SIGNATURE_ALGORITHM`` | ``v3`` | ``v3`` (ACS3-HMAC-SHA256) or ``v2`` (legacy HMAC-SHA1) |
| ``FLOWLOG_CONNECT_TIMEOUT`` / ``FLOWLOG_READ_TIMEOUT`` | 5 / 10 | seconds |
| ``FLOWLOG_MAX_ATTEMPTS`` | 5 | attempts per call, first included |
| ``FLOWLOG_BACKOFF_BASE`` / ``FLOWLOG_BACKOFF_MAX`` | 0.2 / 20 | full-jitter backoff, seconds |
| ``FLOWLOG_RETRY_BUDGET`` | 50 | retries to spend; a success earns half a retry, a second one |
| ``FLOWLOG_MAX_CONCURRENCY`` | 16 | calls in flight at once |
| ``FLOWLOG_RATE_LIMITS`` | ``{}`` | JSON ``{"Action": calls_per_60s}`` overriding the defaults |

`CloudSettings.load` turns a validation failure into one `CloudSettingsError` line.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flowlog_operator.cloud.endpoints import Network, parse_endpoint

__all__ = ["CloudSettings", "CloudSettingsError"]


class CloudSettingsError(ValueError):
    """A setting is invalid; the message is one line naming the variables."""


class CloudSettings(BaseSettings):
    """How the cloud client connects, signs, retries and paces itself."""

    model_config = SettingsConfigDict(env_prefix="FLOWLOG_", extra="ignore", frozen=True)

    region: str = Field(default="cn-hangzhou", min_length=1)
    vpc_endpoint: str | None = None
    sts_endpoint: str | None = None
    network: Network = "public"
    allow_insecure_endpoint: bool = False
    signature_algorithm: Literal["v3", "v2"] = "v3"
    connect_timeout: float = Field(default=5.0, gt=0, le=300)
    read_timeout: float = Field(default=10.0, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_base: float = Field(default=0.2, gt=0, le=60)
    backoff_max: float = Field(default=20.0, gt=0, le=600)
    retry_budget: int = Field(default=50, ge=0, le=10_000)
    max_concurrency: int = Field(default=16, ge=1, le=1024)
    rate_limits: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in ("vpc_endpoint", "sts_endpoint"):
            endpoint = getattr(self, name)
            if endpoint:
                try:
                    parse_endpoint(endpoint, allow_insecure=self.allow_insecure_endpoint)
                except ValueError as exc:
                    raise ValueError(f"FLOWLOG_{name.upper()}: {exc}") from exc
        for action, calls in self.rate_limits.items():
            if calls < 1:
                raise ValueError(f"FLOWLOG_RATE_LIMITS: {action} must allow at least 1 call per 60 s")
        if self.backoff_base > self.backoff_max:
            raise ValueError("FLOWLOG_BACKOFF_BASE must not exceed FLOWLOG_BACKOFF_MAX")
        return self

    @classmethod
    def load(cls, **overrides: Any) -> CloudSettings:
        """Read the environment (plus ``overrides``); any problem becomes one `CloudSettingsError` line."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            problems = "; ".join(
                f"FLOWLOG_{'_'.join(str(p) for p in error['loc']).upper() or 'SETTINGS'}: {error['msg']}"
                if error["loc"]
                else str(error["msg"])
                for error in exc.errors(include_url=False)
            )
            raise CloudSettingsError(f"invalid cloud settings: {problems}") from exc
