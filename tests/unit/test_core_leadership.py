"""The election rules: when a Lease may be taken, what is written, and when a holder must stop acting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowlog_operator.core.leadership import (
    LeaseRecord,
    LeaseTimings,
    Sighting,
    claim,
    expired,
    leading,
    released,
    sight,
)

TIMINGS = LeaseTimings(lease_seconds=15, renew_deadline=10, retry=2)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def held_by(holder: str, *, version: str = "7", renewed: datetime = T0, transitions: int = 2) -> LeaseRecord:
    return LeaseRecord(holder, 15, acquired=T0, renewed=renewed, transitions=transitions, version=version)


def take(sighting: Sighting, now: float, identity: str = "me") -> LeaseRecord | None:
    return claim(sighting, identity=identity, timings=TIMINGS, now=now, wall=T0 + timedelta(seconds=now))


def test_no_lease_is_created_held_by_us_with_our_duration() -> None:
    at = T0 + timedelta(seconds=100)
    assert take(sight(None, None, 100.0), 100.0) == LeaseRecord("me", 15, acquired=at, renewed=at)


def test_another_holders_lease_is_left_alone_until_it_runs_out_by_our_own_clock() -> None:
    seen = sight(None, held_by("other"), 100.0)
    assert take(seen, 100.0) is None
    assert take(seen, 114.9) is None
    taken = take(seen, 115.0)
    assert taken is not None
    assert taken.holder == "me"
    assert taken.version == "7", "the write must be conditional on the version we read"
    assert taken.transitions == 3
    assert taken.acquired == T0 + timedelta(seconds=115)


def test_the_timestamps_in_the_record_are_never_trusted() -> None:
    # A record renewed "an hour ago" by another machine's clock is still fresh when we first see it.
    stale_looking = held_by("other", renewed=T0 - timedelta(hours=1))
    assert take(sight(None, stale_looking, 100.0), 100.0) is None


def test_each_renewal_restarts_our_count() -> None:
    first = sight(None, held_by("other", version="7"), 100.0)
    renewed = held_by("other", version="8", renewed=T0 + timedelta(seconds=2))
    second = sight(first, renewed, 110.0)
    assert second.since == 110.0
    assert take(second, 124.0) is None
    assert take(second, 125.0) is not None


def test_a_record_read_again_unchanged_keeps_the_first_sighting() -> None:
    first = sight(None, held_by("other", version="7"), 100.0)
    # Only the version moved (someone labelled the Lease): the holder did not renew.
    again = sight(first, held_by("other", version="9"), 108.0)
    assert again.since == 100.0
    assert again.record is not None
    assert again.record.version == "9"
    assert sight(sight(None, None, 1.0), None, 5.0).since == 1.0


def test_a_released_lease_is_taken_at_once() -> None:
    free = released(held_by("other"), wall=T0)
    assert free.holder == ""
    assert free.lease_seconds == 1
    taken = take(sight(None, free, 100.0), 100.0)
    assert taken is not None
    assert taken.holder == "me"


def test_our_own_lease_is_renewed_keeping_acquire_time_and_transitions() -> None:
    ours = held_by("me", version="12", transitions=4)
    renewal = take(sight(None, ours, 50.0), 51.0)
    assert renewal is not None
    assert renewal.acquired == T0
    assert renewal.transitions == 4
    assert renewal.renewed == T0 + timedelta(seconds=51)
    assert renewal.version == "12"


def test_expiry_follows_the_duration_the_holder_declared() -> None:
    short = LeaseRecord("other", 3, version="1")
    seen = sight(None, short, 10.0)
    assert not expired(seen, 12.9)
    assert expired(seen, 13.0)
    assert expired(Sighting(None, 0.0), 0.0)


def test_a_holder_acts_only_within_the_renew_deadline_of_its_last_renewal() -> None:
    assert not leading(None, 5.0, TIMINGS)
    assert leading(100.0, 100.0, TIMINGS)
    assert leading(100.0, 109.99, TIMINGS)
    assert not leading(100.0, 110.0, TIMINGS)
    # The holder stops before any other candidate can count the lease as run out.
    assert TIMINGS.renew_deadline < TIMINGS.lease_seconds


@pytest.mark.parametrize(
    ("timings", "complaint"),
    [
        (LeaseTimings(15, 15, 2), "shorter than the lease"),
        (LeaseTimings(15, 20, 2), "shorter than the lease"),
        (LeaseTimings(15, 10, 10), "shorter than the renew deadline"),
        (LeaseTimings(0, 10, 2), "positive"),
        (LeaseTimings(15, 10, 0), "positive"),
    ],
)
def test_timings_that_cannot_fence_in_time_are_explained(timings: LeaseTimings, complaint: str) -> None:
    problem = timings.problem()
    assert problem is not None
    assert complaint in problem


def test_the_default_timings_are_controller_runtimes() -> None:
    assert LeaseTimings() == LeaseTimings(lease_seconds=15, renew_deadline=10.0, retry=2.0)
    assert LeaseTimings().problem() is None
