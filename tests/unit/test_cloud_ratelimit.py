"""Token buckets pace calls per (region, action) by making callers wait, with an injected clock."""

from __future__ import annotations

import pytest

from flowlog_operator.cloud.ratelimit import DEFAULT_RATE_LIMITS, RateLimit, RateLimiter, TokenBucket


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


async def test_burst_is_free_then_callers_wait_for_refill() -> None:
    time = FakeTime()
    bucket = TokenBucket(RateLimit(calls=70, period=60.0, burst=10), clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        assert await bucket.acquire() == 0.0
    assert time.sleeps == []
    waited = await bucket.acquire()
    # Refill is (70 - 10) / 60 = 1 token per second.
    assert waited == pytest.approx(1.0)


async def test_no_window_of_one_period_admits_more_than_the_limit() -> None:
    time = FakeTime()
    limit = RateLimit(calls=600, period=60.0, burst=10)
    bucket = TokenBucket(limit, clock=time.clock, sleep=time.sleep)
    start = time.now
    stamps = []
    for _ in range(1500):
        await bucket.acquire()
        stamps.append(time.now)
    # Slide a 60 s window over the call times.
    left = 0
    for right, stamp in enumerate(stamps):
        while stamp - stamps[left] >= limit.period:
            left += 1
        assert right - left + 1 <= limit.calls
    assert stamps[-1] - start >= (1500 - limit.calls) / (limit.calls / limit.period) * 0.99


async def test_waiters_reserve_in_arrival_order() -> None:
    time = FakeTime()
    bucket = TokenBucket(RateLimit(calls=2, period=10.0, burst=1), clock=time.clock, sleep=time.sleep)
    delays = [bucket.reserve() for _ in range(4)]
    assert delays == sorted(delays)
    assert delays[0] == 0.0
    assert delays[1] == pytest.approx(10.0)
    assert delays[3] == pytest.approx(30.0)


async def test_tokens_refill_with_time_up_to_the_burst() -> None:
    time = FakeTime()
    bucket = TokenBucket(RateLimit(calls=70, period=60.0, burst=10), clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        await bucket.acquire()
    time.now += 3600
    assert bucket.tokens == 10


async def test_buckets_are_separate_per_region_and_action() -> None:
    time = FakeTime()
    limiter = RateLimiter({"DeleteFlowLog": 2}, burst=1, clock=time.clock, sleep=time.sleep)
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


@pytest.mark.parametrize("bad", [{"calls": 0}, {"calls": 10, "period": 0}, {"calls": 10, "burst": 0}])
def test_invalid_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        RateLimit(**bad)  # type: ignore[arg-type]
