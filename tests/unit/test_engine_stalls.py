"""The stall watch: an object whose next pass is overdue is woken, again and again, until a pass runs."""

from __future__ import annotations

import asyncio

from flowlog_operator.engine.stalls import GRACE_FLOOR_SECONDS, StallWatch


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watched(uid: str = "u1", grace: float = 10.0) -> tuple[StallWatch, Clock, asyncio.Event]:
    """An object whose last pass asked to come back in 5 s; the periodic check sleeps for grace/4
    of real time, longer than any of these tests, which call ``check`` themselves."""
    clock = Clock()
    watch = StallWatch(grace=grace, clock=clock)
    event = asyncio.Event()
    watch.watch(uid, event)
    watch.pass_started(uid)
    watch.pass_ended(uid, next_in=5.0)
    return watch, clock, event


def test_grace_is_two_poll_periods_but_never_below_the_floor() -> None:
    assert StallWatch.for_poll_interval(30).grace == 60
    assert StallWatch.for_poll_interval(0.5).grace == GRACE_FLOOR_SECONDS


async def test_an_object_is_not_woken_before_its_next_pass_is_overdue_by_the_grace() -> None:
    watch, clock, event = watched()
    clock.now += 5.0 + 10.0
    assert watch.check() == []
    assert not event.is_set()


async def test_an_overdue_object_is_woken_and_marked_stalled() -> None:
    watch, clock, event = watched()
    clock.now += 5.0 + 10.1
    assert watch.check() == ["u1"]
    assert event.is_set()
    assert watch.stalled("u1")


async def test_a_stalled_object_is_woken_again_every_grace_until_a_pass_runs() -> None:
    watch, clock, event = watched()
    clock.now += 15.1
    assert watch.check() == ["u1"]
    event.clear()
    clock.now += 5.0
    assert watch.check() == []  # the last wake-up is younger than the grace
    clock.now += 5.1
    assert watch.check() == ["u1"]  # one wake-up can be swallowed: repeat
    watch.pass_started("u1")
    assert not watch.stalled("u1")
    clock.now += 100.0
    assert watch.check() == []  # a pass is under way


async def test_settled_objects_are_never_woken() -> None:
    watch, clock, _ = watched()
    watch.pass_started("u1")
    watch.pass_ended("u1", next_in=None)
    clock.now += 10_000
    assert watch.check() == []
    watch.settle("u1")
    assert watch.check() == []


async def test_an_object_never_passed_is_due_when_first_seen() -> None:
    clock = Clock()
    watch = StallWatch(grace=10.0, clock=clock)
    event = asyncio.Event()
    watch.watch("new", event)
    clock.now += 10.1
    assert watch.check() == ["new"]


async def test_an_object_nobody_can_wake_is_skipped_and_forgotten_objects_are_gone() -> None:
    watch, clock, _ = watched()
    watch.unwatch("u1")
    clock.now += 100
    assert watch.check() == []
    watch.forget("u1")
    assert not watch.stalled("u1")


async def test_watch_starts_the_periodic_check_and_aclose_stops_it() -> None:
    watch = StallWatch(grace=0.04)
    event = asyncio.Event()
    watch.watch("u1", event)
    await asyncio.wait_for(event.wait(), timeout=5)
    assert watch.stalled("u1")
    await watch.aclose()
