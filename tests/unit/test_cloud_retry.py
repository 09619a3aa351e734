"""Backoff is full jitter within bounds, honours server hints, and the retry budget runs dry."""

from __future__ import annotations

import random

import pytest

from flowlog_operator.cloud.retry import RetryBudget, RetryPolicy


def test_backoff_ceiling_doubles_up_to_the_maximum() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=5.0)
    assert [policy.backoff_ceiling(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0)
    rng = random.Random(1)
    delays = [policy.delay(3, rng) for _ in range(2000)]
    assert all(0.0 <= d <= 4.0 for d in delays)
    # Full jitter, not "equal jitter": small waits happen, and so do waits near the ceiling.
    assert min(delays) < 0.1
    assert max(delays) > 3.9


def test_retry_after_is_a_floor_capped_by_the_policy() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.2, max_retry_after=10.0)
    rng = random.Random(2)
    assert policy.delay(1, rng, retry_after=2.5) == 2.5
    assert policy.delay(1, rng, retry_after=600.0) == 10.0


def test_a_small_retry_after_does_not_shorten_the_backoff() -> None:
    policy = RetryPolicy(base_delay=10.0, max_delay=10.0)

    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert policy.delay(1, Top(), retry_after=0.001) == 10.0


def test_budget_spends_one_token_per_retry_and_stops_when_empty() -> None:
    budget = RetryBudget(capacity=2, refill_per_success=0.5)
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()
    budget.record_success()
    assert not budget.try_spend()
    budget.record_success()
    assert budget.try_spend()


def test_budget_never_exceeds_its_capacity() -> None:
    budget = RetryBudget(capacity=3, refill_per_success=1)
    for _ in range(10):
        budget.record_success()
    assert budget.tokens == 3


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"base_delay": 0}, {"base_delay": 5, "max_delay": 1}])
def test_invalid_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_an_exhausted_budget_earns_retries_back_with_time_even_without_successes() -> None:
    now = [0.0]
    budget = RetryBudget(capacity=2, refill_per_success=0.0, refill_per_second=1.0, clock=lambda: now[0])
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()
    now[0] += 1.5
    assert budget.try_spend()
    assert not budget.try_spend()
    now[0] += 3600
    assert budget.tokens == 2
