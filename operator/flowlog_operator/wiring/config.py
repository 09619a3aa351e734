"""Operator settings from ``FLOWLOG_*`` environment variables, validated once at start-up.

A bad value stops ``flowlog-operator run`` with one line naming the variable, before any watch
starts. Cloud settings (endpoint, region, signing, rate limits) live in ``cloud.CloudSettings``.
Leader election is off unless ``FLOWLOG_LEADER_ELECTION=true`` (the chart and manifests set it): a
single local ``flowlog-operator run`` needs no Lease.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flowlog_operator.core.leadership import LeaseTimings
from flowlog_operator.core.timing import Timing

ELECTION_TIMINGS = (
    "FLOWLOG_LEADER_ELECTION_LEASE_SECONDS, FLOWLOG_LEADER_ELECTION_RENEW_DEADLINE_SECONDS, "
    "FLOWLOG_LEADER_ELECTION_RETRY_SECONDS"
)


class OperatorConfigError(ValueError):
    """A setting is invalid; the message names the environment variable."""


class OperatorConfig(BaseSettings):
    """How the operator runs; each field is read from ``FLOWLOG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FLOWLOG_", extra="ignore", frozen=True)

    namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces to watch (JSON list or comma-separated); empty watches all namespaces.",
    )
    resync_seconds: float = Field(
        default=600.0, ge=5, description="Drift check interval for settled objects."
    )
    resync_jitter: float = Field(
        default=0.1, ge=0, le=0.5, description="Spread of the resync interval (fraction)."
    )
    poll_seconds: float = Field(
        default=2.0, gt=0, description="Poll interval while the cloud state is transient."
    )
    retry_seconds: float = Field(default=5.0, gt=0, description="First delay after a retryable failure.")
    terminal_seconds: float = Field(default=30.0, gt=0, description="First delay after a terminal failure.")
    terminal_max_seconds: float = Field(
        default=600.0, gt=0, description="Longest delay after terminal failures."
    )
    batch_observation: bool = Field(default=True, description="Share DescribeFlowLogs calls between objects.")
    metrics_address: str = Field(default="0.0.0.0:9090", description="host:port of /metrics; empty disables.")
    health_address: str = Field(default="0.0.0.0:8080", description="host:port of /healthz; empty disables.")
    log_format: Literal["plain", "full", "json"] = Field(default="full", description="Log line format.")
    verbose: bool = Field(default=False, description="Debug logging.")
    leader_election: bool = Field(
        default=False,
        description="Act only while holding the Lease flowlog-operator (true in the chart and manifests).",
    )
    leader_election_namespace: str = Field(
        default="",
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
        max_length=63,
        description="Namespace of the Lease; empty: the Pod's own (required outside a Pod).",
    )
    leader_election_lease_seconds: int = Field(
        default=15, ge=1, le=3600, description="How long a standby waits for a silent leader's lease."
    )
    leader_election_renew_deadline_seconds: float = Field(
        default=10.0, gt=0, description="A leader that has not renewed for this long stops at once."
    )
    leader_election_retry_seconds: float = Field(
        default=2.0, gt=0, description="Between attempts to take or renew the Lease."
    )

    @model_validator(mode="after")
    def _election_can_fence_in_time(self) -> OperatorConfig:
        problem = self.lease_timings().problem()
        if problem:
            raise ValueError(f"{ELECTION_TIMINGS}: {problem}")
        return self

    def lease_timings(self) -> LeaseTimings:
        return LeaseTimings(
            lease_seconds=self.leader_election_lease_seconds,
            renew_deadline=self.leader_election_renew_deadline_seconds,
            retry=self.leader_election_retry_seconds,
        )

    def timing(self) -> Timing:
        return Timing(
            poll=self.poll_seconds,
            retry=self.retry_seconds,
            terminal=self.terminal_seconds,
            terminal_max=self.terminal_max_seconds,
            resync=self.resync_seconds,
        )

    @classmethod
    def load(cls) -> OperatorConfig:
        try:
            return cls()
        except ValidationError as error:
            first = error.errors()[0]
            if not first["loc"]:  # a rule across settings: its message names them
                raise OperatorConfigError(str(first["msg"]).removeprefix("Value error, ")) from None
            name = "FLOWLOG_" + "_".join(str(part) for part in first["loc"]).upper()
            raise OperatorConfigError(f"{name}: {first['msg']}") from None
