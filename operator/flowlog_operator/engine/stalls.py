"""Nothing left unhandled: notice objects whose next pass is overdue, and wake them until one runs.

A pass that does not settle its object says when the next one is due (``requeue_after``), and the
framework is trusted to come back then. It sometimes does not: a watch event can be swallowed (kopf
keeps a finalizer patch refused after an API-server restart as a "remaining patch", and the next event
then runs no handler and writes nothing), or a write fails for longer than the framework retries.
Nothing else would ever look at such an object again.

:class:`StallWatch` keeps, per object UID, when its next pass is due, from the passes themselves: no
list of the API server is needed. An object that is not settled, has no pass under way, and whose
next pass is more than ``grace`` overdue is *stalled*: its wake-up event is set, and set again every
``grace`` until a pass runs (a single wake-up can be swallowed the same way).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flowlog_operator import metrics
from flowlog_operator.engine.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# A first pass may wait for the framework's own start-up writes (finalizer, consistency wait).
GRACE_FLOOR_SECONDS = 10.0


@dataclass
class _Progress:
    due: float
    """When the next pass should start (monotonic clock)."""
    settled: bool = False
    passes_running: int = 0
    woken: asyncio.Event | None = None
    """Set when the object is stalled; ``None`` while nobody can wake the object."""
    stalled: bool = False
    last_wake: float = field(default=float("-inf"))


class StallWatch:
    """Per-object progress; wakes objects whose next pass is overdue by more than ``grace``."""

    def __init__(self, *, grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self._clock = clock
        self._objects: dict[str, _Progress] = {}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_poll_interval(cls, poll: float) -> StallWatch:
        """Two poll periods past the due time, but never less than the framework's start-up needs."""
        return cls(grace=max(2 * poll, GRACE_FLOOR_SECONDS))

    def watch(self, uid: str, woken: asyncio.Event) -> None:
        """Someone waits on ``woken`` for ``uid`` now (its resync daemon): set it when ``uid`` stalls."""
        self._progress(uid).woken = woken
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def unwatch(self, uid: str) -> None:
        """Nobody can wake ``uid`` any more (its daemon stopped); its progress is still recorded."""
        progress = self._objects.get(uid)
        if progress is not None:
            progress.woken = None

    def stalled(self, uid: str) -> bool:
        """Whether the last wake-up of ``uid`` was for a stall (and no pass has run since)."""
        progress = self._objects.get(uid)
        return progress is not None and progress.stalled

    def pass_started(self, uid: str) -> None:
        progress = self._progress(uid)
        progress.passes_running += 1
        progress.stalled = False

    def pass_ended(self, uid: str, *, next_in: float | None) -> None:
        """A pass ended; ``next_in`` is when the next is due, ``None`` if the object is settled."""
        progress = self._progress(uid)
        progress.passes_running = max(0, progress.passes_running - 1)
        progress.settled = next_in is None
        progress.due = self._clock() + (next_in or 0.0)

    def settle(self, uid: str) -> None:
        """Nothing is due for ``uid`` until it changes (e.g. its spec cannot be handled as it is)."""
        progress = self._progress(uid)
        progress.settled, progress.stalled = True, False

    def forget(self, uid: str) -> None:
        self._objects.pop(uid, None)

    def check(self) -> list[str]:
        """Wake every stalled object whose last wake-up is at least ``grace`` old; returns their UIDs."""
        now = self._clock()
        woken: list[str] = []
        for uid, progress in self._objects.items():
            if (
                progress.woken is None
                or progress.settled
                or progress.passes_running
                or now - progress.due <= self.grace
                or now - progress.last_wake < self.grace
            ):
                continue
            progress.stalled = True
            progress.last_wake = now
            progress.woken.set()
            woken.append(uid)
        if woken:
            metrics.STALL_WAKEUPS.inc(len(woken))
            logger.debug("stall check: waking %d object(s)", len(woken))
        return woken

    async def aclose(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def _progress(self, uid: str) -> _Progress:
        progress = self._objects.get(uid)
        if progress is None:
            # First seen: the first pass is due now.
            progress = self._objects[uid] = _Progress(due=self._clock())
        return progress

    async def _run(self) -> None:
        while self._objects:
            await asyncio.sleep(self.grace / 4)
            try:
                self.check()
            except Exception:  # a bug must not end the stall checks for good
                logger.exception("stall check failed")
