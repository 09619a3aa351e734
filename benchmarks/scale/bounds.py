"""Lower bounds that no operator can beat against the emulator's flow control and state machine.

The emulator's flow control is a token bucket per action: ``calls`` tokens at once, refilled at
``calls / period`` per second. So the k-th call of an action (1-based) can be served no earlier than
``max(0, k - calls) / (calls / period)`` seconds after the first, and a flow log created by it is Active
``activation_delay`` later. A second, stricter reading of "300 calls per 60 s" (no sliding 60 s window
holds more than 300 calls, the reading the operator's own limiter keeps to) is given beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PAGE_SIZE = 50


@dataclass(frozen=True)
class Limits:
    create: int = 300
    delete: int = 300
    describe: int = 600
    period: float = 60.0
    activation_delay: float = 5.0
    deletion_delay: float = 1.0
    unlimited: bool = False


def kth_call_at(k: int, calls: int, period: float, *, unlimited: bool = False) -> float:
    """Earliest time of the k-th call under the emulator's token bucket."""
    if unlimited:
        return 0.0
    return max(0, k - calls) / (calls / period)


def kth_call_at_window(k: int, calls: int, period: float, *, unlimited: bool = False) -> float:
    """Earliest time of the k-th call when no sliding window of ``period`` holds more than ``calls``."""
    if unlimited:
        return 0.0
    return ((k - 1) // calls) * period


def create_bounds(n: int, limits: Limits) -> dict[str, float]:
    def at(fraction: float) -> float:
        k = max(1, math.ceil(fraction * n))
        return (
            kth_call_at(k, limits.create, limits.period, unlimited=limits.unlimited) + limits.activation_delay
        )

    return {
        "all_active_s": at(1.0),
        "all_active_window_s": kth_call_at_window(n, limits.create, limits.period, unlimited=limits.unlimited)
        + limits.activation_delay,
        "p50_s": at(0.5),
        "p99_s": at(0.99),
        # One CreateFlowLog each, and at least one region list to see them Active.
        "calls_per_flowlog": 1.0 + math.ceil(n / PAGE_SIZE) / n,
        # The finalizer, and one status write with ID and Active.
        "writes_per_flowlog": 2.0,
    }


def delete_bounds(n: int, limits: Limits) -> dict[str, float]:
    def at(fraction: float) -> float:
        k = max(1, math.ceil(fraction * n))
        return (
            kth_call_at(k, limits.delete, limits.period, unlimited=limits.unlimited) + limits.deletion_delay
        )

    return {
        "all_gone_s": at(1.0),
        "all_gone_window_s": kth_call_at_window(n, limits.delete, limits.period, unlimited=limits.unlimited)
        + limits.deletion_delay,
        "p50_s": at(0.5),
        "p99_s": at(0.99),
        "calls_per_flowlog": 1.0 + math.ceil(n / PAGE_SIZE) / n,
        # Releasing the finalizer.
        "writes_per_flowlog": 1.0,
    }


def idle_bounds(n: int) -> dict[str, float]:
    """One look at every flow log per resync period: a region list, 50 a page."""
    return {"calls_per_period": float(math.ceil(n / PAGE_SIZE)), "writes_per_period": 0.0}


def active_curve(n: int, limits: Limits, points: int = 200) -> list[tuple[float, int]]:
    """(seconds, flow logs Active) of the ideal operator, for the plot."""
    last = create_bounds(n, limits)["all_active_s"]
    curve = [(0.0, 0)]
    for i in range(1, points + 1):
        t = last * i / points
        # Active by t: calls made by t - activation_delay.
        since = t - limits.activation_delay
        if since < 0:
            count = 0
        elif limits.unlimited:
            count = n
        else:
            count = min(n, limits.create + math.floor(since * limits.create / limits.period))
        curve.append((t, count))
    return curve
