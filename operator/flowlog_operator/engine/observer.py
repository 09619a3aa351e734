"""Batched observation: many objects, few ``DescribeFlowLogs`` calls.

One :class:`RegionObserver` per region answers three questions: the flow log with this ID, the flow
logs carrying this ownership tag, and the flow log on this resource. Every answer comes from a view
of the cloud taken *after* the question was asked, so nothing stale is served. Questions that arrive
together are answered together: if answering them one by one would cost more calls than listing
the region (50 flow logs a page), the region is listed once for all of them; otherwise each gets its
own filtered call. With batching switched off every question is its own call (the baseline a plain
per-object operator would be).

A region list is read page by page while the region changes: a flow log deleted meanwhile shifts the
later ones to earlier pages, so one of them can be missed. "Not there" from a region list is therefore
never an answer: such a question is asked again with its own filtered call (absence decides releases and
creates). A question may say how long it can wait (``patience``; a pass that only waits out a transient
state asks with one poll interval), so the questions of many objects fall into the same round instead
of a round each; the drift sweep asks for ``everything``, a region list the pending questions share.

Flow logs that were ``Activating`` when last seen are watched more cheaply: one ``Status=Activating``
list (a page per 50 activating flow logs, however large the region) answers every one still activating.
One that is no longer on it has left the state and its full record is read again, but that read may
wait a little (:data:`SETTLED_PATIENCE`) so that the records of many flow logs leaving together come
from one region list rather than a call each.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import FlowLogCloud
from flowlog_operator.engine.tasks import cancel_and_wait
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY

PAGE_SIZE = 50
ACTIVATING = "Activating"
SETTLED_PATIENCE = 10.0
"""How long the full record of a flow log that has just left Activating may wait for a shared read."""
AMORTISED = 4
"""Reads that may wait are served early by a region list once they number this many times its pages."""


@dataclass(frozen=True)
class Question:
    """One thing an object wants to know; ``kind`` is ``id``, ``owner``, ``resource`` or ``all``.

    ``expect`` is the cloud status the asker saw last (only ``Activating`` changes how it is answered).
    """

    kind: str
    value: str
    expect: str = ""


@dataclass
class _Round:
    due: float
    questions: dict[Question, asyncio.Future[list[CloudFlowLog]]] = field(default_factory=dict)
    # Questions that may wait for a shared region list until this time (at the latest).
    deadlines: dict[Question, float] = field(default_factory=dict)

    def add(self, question: Question, future: asyncio.Future[list[CloudFlowLog]], deadline: float) -> None:
        """Take over a question someone already waits on (its answer goes to ``future``)."""
        existing = self.questions.get(question)
        if existing is None:
            self.questions[question] = future
            self.deadlines[question] = deadline
        else:
            if existing is not future:
                existing.add_done_callback(lambda done: _pass_on(done, future))
            if question in self.deadlines:  # else someone asks it without waiting: it stays urgent
                self.deadlines[question] = min(deadline, self.deadlines[question])
        self.due = min(self.due, deadline)


@dataclass
class _Answers:
    found: dict[Question, list[CloudFlowLog]] = field(default_factory=dict)
    # Questions not answered in this round; they go to the next one with their deadline.
    later: dict[Question, tuple[Question, float]] = field(default_factory=dict)


class RegionObserver:
    """Answers questions about one region's flow logs, sharing cloud calls between objects."""

    def __init__(
        self,
        cloud: FlowLogCloud,
        region_id: str,
        *,
        batching: bool = True,
        window: float = 0.05,
        min_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cloud = cloud
        self._region = region_id
        self._batching = batching
        self._window = window
        self._min_interval = min_interval
        self._clock = clock
        self._next: _Round | None = None
        self._running: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_total = 0
        self._last_started = -math.inf
        self.confirmations = 0

    async def by_id(
        self, flow_log_id: str, *, patience: float = 0.0, expect: str = ""
    ) -> CloudFlowLog | None:
        """The flow log with this ID; ``expect`` is its status when the asker saw it last."""
        question = Question("id", flow_log_id, ACTIVATING if expect == ACTIVATING else "")
        found = await self._ask(question, patience)
        return found[0] if found else None

    async def aclose(self) -> None:
        """Stop serving: pending questions fail with CancelledError (the process is stopping)."""
        task, self._running = self._running, None
        await cancel_and_wait(task)
        pending, self._next = self._next, None
        for future in pending.questions.values() if pending else ():
            future.cancel()

    def hurry(self) -> None:
        """Serve the pending round now: someone is waiting behind a patient question."""
        if self._next is not None and self._next.due > self._clock():
            self._next.due = self._clock()
            self._wake.set()

    async def everything(self) -> list[CloudFlowLog]:
        """Every flow log in the region, from a region list shared with the questions pending now."""
        return await self._ask(Question("all", ""))

    async def owned_by(self, uid: str) -> list[CloudFlowLog]:
        return await self._ask(Question("owner", uid))

    async def holder_of(self, resource_id: str) -> CloudFlowLog | None:
        found = await self._ask(Question("resource", resource_id))
        return found[0] if found else None

    async def _ask(self, question: Question, patience: float = 0.0) -> list[CloudFlowLog]:
        if not self._batching:
            return await self._single(question)
        due = self._clock() + max(self._window, patience)
        if self._next is None:
            self._next = _Round(due)
            if self._running is None or self._running.done():
                self._running = asyncio.create_task(self._serve_rounds())
        elif due < self._next.due:
            self._next.due = due
            self._wake.set()
        future = self._next.questions.get(question)
        self._next.deadlines.pop(question, None)  # asked now: no longer one that may wait
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._next.questions[question] = future
        # Shielded: one caller giving up must not cancel the answer others share.
        return list(await asyncio.shield(future))

    async def _serve_rounds(self) -> None:
        while self._next is not None:
            wait = max(self._next.due, self._last_started + self._min_interval) - self._clock()
            if wait > 0:
                # Woken early when a more urgent question arrives.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                continue
            current, self._next = self._next, None
            self._last_started = self._clock()
            try:
                answers = await self._answer(current)
            except Exception as error:  # noqa: BLE001 - every waiter gets the failure as the cloud raised it
                for future in current.questions.values():
                    if not future.done():
                        future.set_exception(error)
                continue
            for question, future in current.questions.items():
                if future.done():
                    continue
                if question in answers.later:
                    again, deadline = answers.later[question]
                    if self._next is None:
                        self._next = _Round(deadline)
                    self._next.add(again, future, deadline)
                else:
                    future.set_result(answers.found.get(question, []))

    async def _answer(self, current: _Round) -> _Answers:
        now = self._clock()
        answers = _Answers()
        # What is still to be read for each question asked, and by when.
        reads = {question: question for question in current.questions}
        deadlines = {question: current.deadlines.get(question, now) for question in current.questions}
        activating = [question for question in current.questions if question.expect == ACTIVATING]
        if len(activating) > 1:
            # One Status=Activating list answers every flow log still activating, however big the region.
            listed = {fl.flow_log_id: fl for fl in await self._cloud.list_region(self._region, ACTIVATING)}
            for question in activating:
                if question.value in listed:
                    answers.found[question] = [listed[question.value]]
                    del reads[question]
                else:
                    # Left Activating: its full record can wait a little to share a region list.
                    reads[question] = Question("id", question.value)
                    deadlines[question] = now + SETTLED_PATIENCE
        distinct = set(reads.values())
        urgent = any(deadlines[asked] <= now for asked in reads)
        pages = max(1, math.ceil(self._last_total / PAGE_SIZE))
        # A region list costs ``pages`` calls: worth it for as many urgent reads, and for waiting reads
        # only once it saves most of their calls (otherwise they wait for more company).
        if (
            (urgent and len(distinct) >= pages)
            or len(distinct) >= AMORTISED * pages
            or any(read.kind == "all" for read in distinct)
        ):
            listed_answers = await self._list_for(distinct)
            answers.found.update({asked: listed_answers[read] for asked, read in reads.items()})
            return answers
        due = list(dict.fromkeys(read for asked, read in reads.items() if deadlines[asked] <= now))
        single_answers = dict(zip(due, await asyncio.gather(*(self._single(q) for q in due)), strict=True))
        for asked, read in reads.items():
            if read in single_answers:
                answers.found[asked] = single_answers[read]
            else:
                answers.later[asked] = (read, deadlines[asked])
        return answers

    async def _list_for(self, questions: set[Question]) -> dict[Question, list[CloudFlowLog]]:
        everything = await self._cloud.list_region(self._region)
        self._last_total = len(everything)
        answers = {question: [fl for fl in everything if _matches(question, fl)] for question in questions}
        # Absence in a list read while the region changed is not proof: confirm it with a filtered call.
        unseen = [question for question, found in answers.items() if not found and question.kind != "all"]
        if unseen:
            confirmed = await asyncio.gather(*(self._single(q) for q in unseen))
            self.confirmations += len(unseen)
            answers.update(zip(unseen, confirmed, strict=True))
        return answers

    async def _single(self, question: Question) -> list[CloudFlowLog]:
        if question.kind == "all":
            return await self._cloud.list_region(self._region)
        if question.kind == "id":
            return await self._cloud.describe(self._region, flow_log_id=question.value)
        if question.kind == "owner":
            return await self._cloud.describe(self._region, tag=(OWNERSHIP_TAG_KEY, question.value))
        return await self._cloud.describe(self._region, resource_id=question.value)


def _pass_on(done: asyncio.Future[list[CloudFlowLog]], future: asyncio.Future[list[CloudFlowLog]]) -> None:
    if future.done():
        return
    if done.cancelled():
        future.cancel()
    elif (error := done.exception()) is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())


def _matches(question: Question, flow_log: CloudFlowLog) -> bool:
    if question.kind == "all":
        return True
    if question.kind == "id":
        return flow_log.flow_log_id == question.value
    if question.kind == "owner":
        return flow_log.tags.get(OWNERSHIP_TAG_KEY) == question.value
    return flow_log.resource_id == question.value


class Observers:
    """One :class:`RegionObserver` per region, made on first use."""

    def __init__(self, cloud: FlowLogCloud, *, batching: bool = True, window: float = 0.05) -> None:
        self._cloud = cloud
        self._batching = batching
        self._window = window
        self._by_region: dict[str, RegionObserver] = {}

    async def aclose(self) -> None:
        for observer in self._by_region.values():
            await observer.aclose()

    def __getitem__(self, region_id: str) -> RegionObserver:
        observer = self._by_region.get(region_id)
        if observer is None:
            observer = RegionObserver(self._cloud, region_id, batching=self._batching, window=self._window)
            self._by_region[region_id] = observer
        return observer
