"""Drift checks for settled objects: one region list per resync period, a pass only where needed.

Every settled object is checked against the cloud once per resync period, but not by a pass of its
own: one :class:`DriftSweep` lists each region once (50 flow logs a page) and compares every watched
object with its record there, using the same pure ``decide`` a pass uses. Only an object whose flow
log differs from what its status says (or from its spec), that is missing from the list, or whose
ownership tag is also on another flow log (a duplicate), is woken for a real pass, which reads the
cloud again before acting. An idle cluster therefore costs
N/50 calls and almost no CPU per period instead of N passes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import CloudCallError
from flowlog_operator.core.view import ObjectView
from flowlog_operator.engine.tasks import cancel_and_wait
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY

logger = logging.getLogger(__name__)

ViewSource = Callable[[], ObjectView | None]
"""The object as it is now, or ``None`` while it is not settled (a change loop runs, it is deleting)."""


@dataclass
class _Watched:
    view: ViewSource
    woken: asyncio.Event


class DriftSweep:
    """Compares watched objects with one region list per period; wakes the ones that need a pass."""

    def __init__(
        self,
        region_list: Callable[[str], Awaitable[list[CloudFlowLog]]],
        needs_pass: Callable[[ObjectView, CloudFlowLog | None, list[CloudFlowLog]], bool],
        *,
        period: float,
        jitter: float = 0.0,
        everyone: bool = False,
    ) -> None:
        """``everyone``: skip the comparison and wake every object each period (the per-object baseline)."""
        self._region_list = region_list
        self._everyone = everyone
        self._needs_pass = needs_pass
        self._period = period
        self._jitter = jitter
        self._watched: dict[str, _Watched] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, uid: str, view: ViewSource) -> asyncio.Event:
        """Check this object every period; the returned event is set when it needs a pass."""
        watched = self._watched.get(uid)
        if watched is None:
            watched = self._watched[uid] = _Watched(view, asyncio.Event())
        else:
            watched.view = view
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return watched.woken

    def unwatch(self, uid: str) -> None:
        self._watched.pop(uid, None)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(self._period * (1 - self._jitter * random.random()))
            try:
                await self.sweep()
            except Exception:  # a bug must not end the drift checks for good
                logger.exception("drift check failed")

    async def sweep(self) -> int:
        """Check every watched object now; returns how many were woken."""
        by_region: dict[str, list[tuple[_Watched, ObjectView]]] = {}
        for watched in list(self._watched.values()):
            view = watched.view()
            if view is not None and not watched.woken.is_set():
                by_region.setdefault(view.spec.region_id, []).append((watched, view))
        woken = 0
        for region_id, objects in by_region.items():
            if self._everyone:
                for watched, _view in objects:
                    watched.woken.set()
                woken += len(objects)
                continue
            try:
                records: list[CloudFlowLog] | None = await self._region_list(region_id)
            except CloudCallError as error:
                # Nothing is known: every object looks for itself (each pass reports the failure).
                logger.warning("drift check of %s failed: %s", region_id, error)
                records = None
            by_id = {fl.flow_log_id: fl for fl in records or ()}
            by_owner: dict[str, list[CloudFlowLog]] = {}
            for fl in records or ():
                owner = fl.tags.get(OWNERSHIP_TAG_KEY)
                if owner:
                    by_owner.setdefault(owner, []).append(fl)
            for watched, view in objects:
                flow_log_id = view.known_flow_log_id
                record = by_id.get(flow_log_id) if flow_log_id else None
                if records is None or self._needs_pass(view, record, by_owner.get(view.uid, [])):
                    watched.woken.set()
                    woken += 1
        logger.debug("drift check: %d objects, %d need a pass", sum(map(len, by_region.values())), woken)
        return woken
