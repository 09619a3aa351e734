"""Retry policy: how many attempts, how long to wait, and how much retrying the client may afford.

- **Backoff** is exponential with full jitter: before retry ``n`` (1-based) wait a uniform random time in
  ``[0, min(max_delay, base * 2**(n-1))]``; a server hint (``x-acs-retry-after``) is a floor, capped at
  ``max_retry_after``.
- **Attempts** per call are bounded (`RetryPolicy.max_attempts`, the first attempt included).
- **Retry budget**: a token bucket shared by the whole client. Each retry spends a token; each call that
  succeeds earns back a fraction of one. When a cloud fails everywhere, the budget runs dry and calls
  fail after their first attempt instead of multiplying the load on a struggling service.

Sleep and randomness are injected so that tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryBudget", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay <= 0 or self.max_delay < self.base_delay:
            raise ValueError(f"invalid retry policy {self}")

    def backoff_ceiling(self, retry_number: int) -> float:
        """The upper bound of the jittered wait before retry ``retry_number`` (1-based)."""
        return min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))

    def delay(self, retry_number: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number``: full jitter, floored by the server's hint."""
        jittered = rng.uniform(0.0, self.backoff_ceiling(retry_number))
        if retry_after is not None and retry_after > 0:
            return max(jittered, min(retry_after, self.max_retry_after))
        return jittered


class RetryBudget:
    """Shared allowance of retries: spend one per retry, earn some back per success and with time.

    Successes earn ``refill_per_success`` each, so retries stay a bounded share of the traffic; time
    earns ``refill_per_second``, so a long outage (no successes at all) does not leave the client
    unable to retry once the cloud is back.
    """

    def __init__(
        self,
        capacity: float = 50.0,
        *,
        refill_per_success: float = 0.1,
        refill_per_second: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 0 or refill_per_success < 0 or refill_per_second < 0:
            raise ValueError("retry budget capacity and refill must not be negative")
        self.capacity = capacity
        self.refill_per_success = refill_per_success
        self.refill_per_second = refill_per_second
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def _earn_with_time(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.refill_per_second)
        self._updated = now

    @property
    def tokens(self) -> float:
        self._earn_with_time()
        return self._tokens

    def try_spend(self) -> bool:
        """Take one retry token if there is one."""
        self._earn_with_time()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def record_success(self) -> None:
        self._earn_with_time()
        self._tokens = min(self.capacity, self._tokens + self.refill_per_success)
