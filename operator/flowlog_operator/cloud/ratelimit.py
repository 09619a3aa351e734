"""Client-side pacing per (region, action): at most ``calls`` in any ``period``, callers wait, never fail.

Alibaba limits each API per region and account (reference §5). The published limits are 600 calls per
60 s for DeactiveFlowLog and ModifyFlowLogAttribute; the others are unconfirmed, so we assume 300/60 s
for writes and 600/60 s for reads.

The window slides: call *k* goes out no earlier than ``period`` after call *k - calls*. That is the
fastest schedule that can never break an "N per period" limit, whether the cloud counts in fixed
windows, sliding windows or a token bucket of N per period, so a thousand creates arriving at once take
the first ``calls`` at once and the rest as the window frees, without a single ``Throttling.User``.

Waiting is by reservation: a caller takes its slot at once and sleeps until that slot's time, so
waiters are served in arrival order without a lock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_RATE_LIMITS", "RateLimit", "RateLimiter", "SlidingWindow"]


@dataclass(frozen=True)
class RateLimit:
    """At most ``calls`` per ``period`` seconds."""

    calls: int
    period: float = 60.0

    def __post_init__(self) -> None:
        if self.calls < 1 or self.period <= 0:
            raise ValueError(f"invalid rate limit {self}")


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


class SlidingWindow:
    """One (region, action) limit; ``acquire`` waits (with the injected sleep) for a free slot."""

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
        # Times of the last ``calls`` slots handed out (some may lie in the future).
        self._slots: deque[float] = deque(maxlen=limit.calls)

    @property
    def free(self) -> int:
        """Slots usable right now."""
        now = self._clock()
        return self.limit.calls - sum(1 for slot in self._slots if slot > now - self.limit.period)

    def reserve(self) -> float:
        """Take the next slot; return how many seconds the caller must wait before using it."""
        now = self._clock()
        slot = now
        if len(self._slots) == self.limit.calls:
            slot = max(now, self._slots[0] + self.limit.period)
        self._slots.append(slot)
        return slot - now

    async def acquire(self) -> float:
        """Wait for a slot; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
        return delay


class RateLimiter:
    """Sliding windows keyed by (region, action), created on first use."""

    def __init__(
        self,
        overrides: Mapping[str, int] | None = None,
        *,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = {**DEFAULT_RATE_LIMITS, **(overrides or {})}
        self._period = period
        self._clock = clock
        self._sleep = sleep
        self._windows: dict[tuple[str, str], SlidingWindow] = {}

    def limit_for(self, action: str) -> RateLimit:
        calls = self._limits.get(action, _WRITE_LIMIT)
        return RateLimit(calls=calls, period=self._period)

    def window(self, region: str, action: str) -> SlidingWindow:
        key = (region, action)
        window = self._windows.get(key)
        if window is None:
            window = SlidingWindow(self.limit_for(action), clock=self._clock, sleep=self._sleep)
            self._windows[key] = window
        return window

    async def acquire(self, region: str, action: str) -> float:
        return await self.window(region, action).acquire()
