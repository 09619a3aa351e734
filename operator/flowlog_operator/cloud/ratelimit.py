"""Client-side pacing: a token bucket per (region, action) that makes callers wait, never fails them.

Alibaba limits each API per region and account (reference §5). The published limits are 600 calls per
60 s for DeactiveFlowLog and ModifyFlowLogAttribute; the others are unconfirmed, so we assume 300/60 s
for writes and 600/60 s for reads. A bucket holds ``burst`` tokens and refills at
``(calls - burst) / period`` per second, so no window of ``period`` seconds admits more than ``calls``.

Waiting is by reservation: a caller takes its token at once (the balance may go negative) and sleeps
until the balance it reserved has refilled, so waiters are served in arrival order without a lock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_RATE_LIMITS", "RateLimit", "RateLimiter", "TokenBucket"]


@dataclass(frozen=True)
class RateLimit:
    """At most ``calls`` per ``period`` seconds, spending at most ``burst`` at once."""

    calls: int
    period: float = 60.0
    burst: int = 10

    def __post_init__(self) -> None:
        if self.calls < 1 or self.period <= 0 or self.burst < 1:
            raise ValueError(f"invalid rate limit {self}")

    @property
    def capacity(self) -> float:
        return float(min(self.burst, self.calls))

    @property
    def refill_per_second(self) -> float:
        # With calls == burst nothing would refill; keep a trickle of one call per period.
        return max(self.calls - self.capacity, 1.0) / self.period


_READ_LIMIT = 600
_WRITE_LIMIT = 300
DEFAULT_RATE_LIMITS: Mapping[str, int] = {
    # Published (reference §5).
    "DeactiveFlowLog": 600,
    "ModifyFlowLogAttribute": 600,
    # Unconfirmed: conservative.
    "CreateFlowLog": _WRITE_LIMIT,
    "ActiveFlowLog": _WRITE_LIMIT,
    "DeleteFlowLog": _WRITE_LIMIT,
    "TagResources": _WRITE_LIMIT,
    "UnTagResources": _WRITE_LIMIT,
    "MoveResourceGroup": _WRITE_LIMIT,
    "OpenFlowLogService": _WRITE_LIMIT,
    "DescribeFlowLogs": _READ_LIMIT,
    "ListTagResources": _READ_LIMIT,
    "GetFlowLogServiceStatus": _READ_LIMIT,
}


class TokenBucket:
    """One bucket; `acquire` waits (with the injected sleep) until a token is available."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._tokens = limit.capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.limit.capacity, self._tokens + elapsed * self.limit.refill_per_second)
        self._updated = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def reserve(self) -> float:
        """Take one token now; return how many seconds the caller must wait before using it."""
        self._refill()
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.limit.refill_per_second

    async def acquire(self) -> float:
        """Wait for a token; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
        return delay


class RateLimiter:
    """Token buckets keyed by (region, action), created on first use."""

    def __init__(
        self,
        overrides: Mapping[str, int] | None = None,
        *,
        burst: int = 10,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = {**DEFAULT_RATE_LIMITS, **(overrides or {})}
        self._burst = burst
        self._period = period
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def limit_for(self, action: str) -> RateLimit:
        calls = self._limits.get(action, _WRITE_LIMIT)
        return RateLimit(calls=calls, period=self._period, burst=self._burst)

    def bucket(self, region: str, action: str) -> TokenBucket:
        key = (region, action)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.limit_for(action), clock=self._clock, sleep=self._sleep)
            self._buckets[key] = bucket
        return bucket

    async def acquire(self, region: str, action: str) -> float:
        return await self.bucket(region, action).acquire()
