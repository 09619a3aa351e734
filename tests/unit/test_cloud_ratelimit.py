"""Sliding windows pace calls per (region, action) by making callers wait, with an injected clock."""

from __future__ import annotations

import pytest

from flowlog_operator.cloud.ratelimit import DEFAULT_RATE_LIMITS, RateLimit, RateLimiter, SlidingWindow


class FakeTime:
    """A clock that only moves when the code under test sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_published_limits_are_respected_and_unconfirmed_ones_are_conservative() -> None:
    assert DEFAULT_RATE_LIMITS["DeactiveFlowLog"] <= 600
    assert DEFAULT_RATE_LIMITS["ModifyFlowLogAttribute"] <= 600
    for write in ("CreateFlowLog", "ActiveFlowLog", "DeleteFlowLog", "TagResources", "UnTagResources",
                  "MoveResourceGroup", "OpenFlowLogService"):  # fmt: skip
        assert DEFAULT_RATE_LIMITS[write] == 300, write
    for read in ("DescribeFlowLogs", "ListTagResources", "GetFlowLogServiceStatus"):
        assert DEFAULT_RATE_LIMITS[read] == 600, read


async def test_a_full_window_goes_out_at_once_then_callers_wait_for_the_window_to_slide() -> None:
    time = FakeTime()
    window = SlidingWindow(RateLimit(calls=70, period=60.0), clock=time.clock, sleep=time.sleep)
    for _ in range(70):
        assert await window.acquire() == 0.0
    assert time.sleeps == []
    assert window.free == 0
    assert await window.acquire() == pytest.approx(60.0)


async def test_no_window_of_one_period_admits_more_than_the_limit() -> None:
    time = FakeTime()
    limit = RateLimit(calls=600, period=60.0)
    window = SlidingWindow(limit, clock=time.clock, sleep=time.sleep)
    stamps = []
    for index in range(1500):
        if index % 7 == 0:
            time.now += 0.05  # callers arrive spread out a little, as in life
        await window.acquire()
        stamps.append(time.now)
    left = 0
    for right, stamp in enumerate(stamps):
        while stamp - stamps[left] >= limit.period:
            left += 1
        assert right - left + 1 <= limit.calls
    # ... and it is the fastest schedule that can: 1,500 calls need two full periods after the first 600
    # (plus the callers' own spread of 1500 / 7 * 0.05 s).
    assert stamps[-1] - stamps[0] < 2 * limit.period + 1500 / 7 * 0.05 + 1


async def test_waiters_reserve_in_arrival_order() -> None:
    time = FakeTime()
    window = SlidingWindow(RateLimit(calls=2, period=10.0), clock=time.clock, sleep=time.sleep)
    delays = [window.reserve() for _ in range(5)]
    assert delays == sorted(delays)
    assert delays[:2] == [0.0, 0.0]
    assert delays[2] == pytest.approx(10.0)
    assert delays[4] == pytest.approx(20.0)


async def test_slots_free_up_as_the_window_slides() -> None:
    time = FakeTime()
    window = SlidingWindow(RateLimit(calls=70, period=60.0), clock=time.clock, sleep=time.sleep)
    for _ in range(70):
        await window.acquire()
    time.now += 3600
    assert window.free == 70


async def test_buckets_are_separate_per_region_and_action() -> None:
    time = FakeTime()
    limiter = RateLimiter({"DeleteFlowLog": 1}, clock=time.clock, sleep=time.sleep)
    await limiter.acquire("cn-beijing", "DeleteFlowLog")
    await limiter.acquire("cn-shanghai", "DeleteFlowLog")
    await limiter.acquire("cn-beijing", "DescribeFlowLogs")
    assert time.sleeps == []
    await limiter.acquire("cn-beijing", "DeleteFlowLog")
    assert len(time.sleeps) == 1


def test_overrides_replace_defaults_and_unknown_actions_get_the_write_limit() -> None:
    limiter = RateLimiter({"DescribeFlowLogs": 100})
    assert limiter.limit_for("DescribeFlowLogs").calls == 100
    assert limiter.limit_for("ModifyFlowLogAttribute").calls == 600
    assert limiter.limit_for("SomethingNew").calls == 300


@pytest.mark.parametrize("bad", [{"calls": 0}, {"calls": 10, "period": 0}, {"calls": -1, "period": 60}])
def test_invalid_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        RateLimit(**bad)  # type: ignore[arg-type]
