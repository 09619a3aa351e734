"""Campaign for the Lease, keep it, give it up: the loops around ``core.leadership``'s rules.

``campaign()`` returns once this process holds the Lease. ``keep()`` renews it every retry period and
returns, with the reason, as soon as this process may no longer act: the renew deadline passed without
a successful renewal, or another holder took the Lease. Whoever called ``keep()`` must then stop every
action at once. ``leading_now()`` is the same judgement at any instant, for checks right before an
action. ``release()`` hands the Lease back on a clean stop, so a standby need not wait for it to expire.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from flowlog_operator.core.leadership import (
    LeaseTimings,
    Sighting,
    claim,
    leading,
    released,
    sight,
)
from flowlog_operator.election.lease_api import LeaseApi, LeaseApiError, LeaseConflictError

logger = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LeaderElector:
    """One candidate (``identity``) for one Lease."""

    def __init__(
        self,
        api: LeaseApi,
        identity: str,
        timings: LeaseTimings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api = api
        self.identity = identity
        self.timings = timings
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self._sighting: Sighting | None = None
        self._renewed_at: float | None = None
        self._stale = True  # read the Lease before the next write
        self._last_problem = ""

    @property
    def holder(self) -> str:
        """The holder in the record last read or written (``""``: none, or not read yet)."""
        record = self._sighting.record if self._sighting else None
        return record.holder if record else ""

    def leading_now(self) -> bool:
        """Whether this process holds the Lease and renewed it within the renew deadline."""
        return self.holder == self.identity and leading(self._renewed_at, self._clock(), self.timings)

    async def try_once(self) -> bool:
        """One attempt to take or renew the Lease; ``True`` when this process holds it now.

        A leader past its renew deadline writes nothing any more (it must stop, not renew late).
        """
        started = self._clock()
        if self._past_deadline():
            return False
        if self._stale or not self.leading_now():
            record = await self.api.read()
            self._sighting = sight(self._sighting, record, self._clock())
            self._stale = False
        sighting = self._sighting
        assert sighting is not None
        wanted = claim(
            sighting, identity=self.identity, timings=self.timings, now=self._clock(), wall=self._wall()
        )
        if wanted is None or self._past_deadline():
            return False
        try:
            if sighting.record is None:
                written = await self.api.create(wanted)
            else:
                written = await self.api.replace(wanted)
        except LeaseConflictError as conflict:
            logger.debug("%s", conflict)
            self._stale = True
            return False
        if self._renewed_at is None or sighting.record is None or sighting.record.holder != self.identity:
            logger.info("%s acquired by %s", self.api, self.identity)
        self._sighting = Sighting(written, self._clock())
        self._renewed_at = started
        self._last_problem = ""
        return True

    async def campaign(self) -> None:
        """Try every retry period until this process holds the Lease."""
        announced = ""
        while True:
            try:
                async with asyncio.timeout(self.timings.renew_deadline):
                    if await self.try_once():
                        return
            except TimeoutError:
                self._problem(LeaseApiError(f"{self.api}: no answer in {self.timings.renew_deadline:g}s"))
            except LeaseApiError as error:
                self._problem(error)
            if self.holder and self.holder != announced:
                announced = self.holder
                logger.info("%s is held by %s; standing by", self.api, self.holder)
            await self._sleep(self.timings.retry)

    async def keep(self) -> str:
        """Renew every retry period; return why this process may no longer act (it must stop at once)."""
        while True:
            if self._renewed_at is None:
                return "the lease was never acquired"
            deadline = self._renewed_at + self.timings.renew_deadline
            await self._sleep(max(0.0, min(self.timings.retry, deadline - self._clock())))
            remaining = deadline - self._clock()
            if remaining <= 0:
                deadline_text = f"{self.timings.renew_deadline:g}s"
                return f"no renewal of the {self.api} within the renew deadline ({deadline_text})"
            try:
                async with asyncio.timeout(remaining):
                    renewed = await self.try_once()
            except TimeoutError:
                continue
            except LeaseApiError as error:
                self._problem(error)
                continue
            if not renewed and self.holder not in ("", self.identity):
                return f"the {self.api} is held by {self.holder}"

    async def release(self) -> bool:
        """Give the Lease up on a clean stop (no holder); ``False`` if it was not ours any more."""
        record = self._sighting.record if self._sighting else None
        if record is None or not self.leading_now():
            return False
        self._renewed_at = None  # from here on this process may not act, whatever the answer
        try:
            async with asyncio.timeout(self.timings.retry):
                written = await self.api.replace(released(record, wall=self._wall()))
        except (LeaseConflictError, LeaseApiError, TimeoutError) as error:
            logger.warning("could not release the %s: %s", self.api, error)
            return False
        self._sighting = Sighting(written, self._clock())
        logger.info("%s released by %s", self.api, self.identity)
        return True

    def _past_deadline(self) -> bool:
        return self._renewed_at is not None and not leading(self._renewed_at, self._clock(), self.timings)

    def _problem(self, error: LeaseApiError) -> None:
        """Log a failed attempt once per distinct reason (they repeat every retry period)."""
        message = str(error)
        if message != self._last_problem:
            logger.warning("leader election: %s", message)
            self._last_problem = message
        else:
            logger.debug("leader election: %s", message)
