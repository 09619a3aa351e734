"""Per-action flow control: one token bucket per action, answering ``Throttling.User`` when empty.

Defaults follow the reference (section 5): 600/60 s for DeactiveFlowLog and
ModifyFlowLogAttribute (published); for the unconfirmed ones 300/60 s for writes
and 600/60 s for reads; 100/1 s for the two STS actions (published).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    requests: int
    per_seconds: float

    def __str__(self) -> str:
        return f"{self.requests}/{self.per_seconds:g}"


_WRITE = RateLimit(300, 60)
_READ = RateLimit(600, 60)
DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "CreateFlowLog": _WRITE,
    "DeleteFlowLog": _WRITE,
    "ActiveFlowLog": _WRITE,
    "DeactiveFlowLog": RateLimit(600, 60),
    "ModifyFlowLogAttribute": RateLimit(600, 60),
    "DescribeFlowLogs": _READ,
    "GetFlowLogServiceStatus": _READ,
    "OpenFlowLogService": _WRITE,
    "TagResources": _WRITE,
    "UnTagResources": _WRITE,
    "ListTagResources": _READ,
    "MoveResourceGroup": _WRITE,
    "AssumeRole": RateLimit(100, 1),
    "AssumeRoleWithOIDC": RateLimit(100, 1),
}

_SPEC = re.compile(r"^(?P<action>[A-Za-z]+)=(?P<requests>[0-9]{1,9})/(?P<seconds>[0-9]{1,9}(\.[0-9]{1,9})?)$")


def parse_rate_limit(text: str) -> tuple[str, RateLimit]:
    """``Action=N/SECONDS``, e.g. ``CreateFlowLog=10/60``."""
    match = _SPEC.match(text.strip())
    if not match or int(match["requests"]) < 1 or float(match["seconds"]) <= 0:
        raise ValueError(f"rate limit {text[:80]!r} is not Action=N/SECONDS with N >= 1 and SECONDS > 0")
    if match["action"] not in DEFAULT_RATE_LIMITS:
        raise ValueError(f"rate limit {text[:80]!r}: unknown action; known: {', '.join(DEFAULT_RATE_LIMITS)}")
    return match["action"], RateLimit(int(match["requests"]), float(match["seconds"]))


class TokenBucket:
    """Holds up to ``requests`` tokens, refilled continuously at ``requests / per_seconds``."""

    def __init__(self, limit: RateLimit, now: float) -> None:
        self._capacity = float(limit.requests)
        self._rate = limit.requests / limit.per_seconds
        self._tokens = self._capacity
        self._updated = now

    def take(self, now: float) -> int | None:
        """Spend a token; when none is left, the milliseconds until one will be (at least 1)."""
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self._tokens) / self._rate * 1000))


class RateLimiter:
    def __init__(self, limits: dict[str, RateLimit], enabled: bool = True) -> None:
        self.limits = dict(limits)
        self.enabled = enabled
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, action: str, now: float) -> int | None:
        """``None`` when the call may go on, else the retry-after in milliseconds."""
        limit = self.limits.get(action)
        if not self.enabled or limit is None:
            return None
        bucket = self._buckets.get(action)
        if bucket is None:
            bucket = self._buckets[action] = TokenBucket(limit, now)
        return bucket.take(now)

    def reset(self) -> None:
        self._buckets.clear()
