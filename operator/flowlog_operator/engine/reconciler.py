"""One reconcile pass: observe, decide, act at most once, report.

The :class:`Reconciler` is what the wiring calls for every change, resume, drift and deletion.
It returns an :class:`Outcome`: the status merge-patch to write, the Events to post, and when to
come back. It never raises for cloud trouble; that is reported in the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flowlog_operator import metrics
from flowlog_operator.core.conclude import DELETION_WAY_OUT, conclude_failure, conclude_success
from flowlog_operator.core.conditions import READY, SYNCED, Condition, find_condition, merge_conditions
from flowlog_operator.core.decide import decide, deletion_needs_cloud
from flowlog_operator.core.decisions import CLOUD_ACTIONS, Create, Decision, Event, MarkCreatePending
from flowlog_operator.core.observation import TRANSIENT_STATUSES, CloudFlowLog, Observation
from flowlog_operator.core.ports import CloudCallError, FailureKind, FlowLogCloud
from flowlog_operator.core.timing import Timing
from flowlog_operator.core.view import ObjectView
from flowlog_operator.engine.actuator import perform
from flowlog_operator.engine.drift import DriftSweep
from flowlog_operator.engine.failpoints import Failpoints
from flowlog_operator.engine.observer import Observers
from flowlog_operator.engine.serial import ObjectSerializer
from flowlog_operator.engine.stalls import StallWatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What the wiring must do after a pass."""

    status_patch: dict[str, Any]
    events: tuple[Event, ...]
    requeue_after: float | None
    release: bool
    settled: bool
    why: str


def utcnow() -> datetime:
    return datetime.now(UTC)


class Reconciler:
    """Reconciles FlowLog objects against the cloud, one pass per call."""

    def __init__(
        self,
        cloud: FlowLogCloud,
        *,
        timing: Timing | None = None,
        batching: bool = True,
        clock: Callable[[], datetime] = utcnow,
        failpoints: Failpoints | None = None,
        resync_jitter: float = 0.0,
    ) -> None:
        self._cloud = cloud
        self._timing = timing or Timing()
        self._batching = batching
        self._observers = Observers(cloud, batching=batching)
        self.drift = DriftSweep(
            lambda region_id: self._observers[region_id].everything(),
            self.needs_pass,
            period=self._timing.resync,
            jitter=resync_jitter,
            everyone=not batching,
        )
        self.stalls = StallWatch.for_poll_interval(self._timing.poll)
        self._serial = ObjectSerializer()
        self._clock = clock
        self._failpoints = failpoints or Failpoints()
        self._cloud_status: dict[str, str] = {}
        # Objects with a recorded flow log whose ownership tag a region list also found on another:
        # their next pass looks up every flow log carrying the tag, and deletes the extra ones.
        self._duplicates_suspected: set[str] = set()
        # Objects whose first create-pending mark this process wrote (no mark and no flow log before)
        # and for which it has sent no create since. The lookup before the create is still made; but
        # if that lookup fails, nothing can have been created, so the mark is taken back (a deletion
        # then needs no cloud call).
        self._unsent: set[str] = set()

    @property
    def timing(self) -> Timing:
        return self._timing

    async def reconcile(
        self, view: ObjectView, *, created_at: datetime | None = None, patience: float = 0.0
    ) -> Outcome:
        """One pass; ``patience`` is how long the observation may wait to share a region list.

        A pass that only waits out a transient cloud state is patient by itself: it joins the next
        shared read (at most one poll interval away), so the outcome asks to come back at once.
        """
        if patience == 0 and self._serial.busy(view.uid):
            # A patient pass of this object (one waiting out a transient state) holds its lock: an
            # edit or a deletion must not wait out that patience, so the shared read happens now.
            self._observers[view.spec.region_id].hurry()
        self.stalls.pass_started(view.uid)
        next_in: float | None = self._timing.retry_max  # if the pass ends in an exception
        try:
            outcome = await self._reconcile(view, created_at, patience)
            next_in = None if outcome.settled or outcome.release else outcome.requeue_after
            return outcome
        finally:
            self.stalls.pass_ended(view.uid, next_in=next_in)

    async def _reconcile(self, view: ObjectView, created_at: datetime | None, patience: float) -> Outcome:
        async with self._serial.hold(view.uid):
            view = self._serial.overlay(view)
            patience = max(patience, self._poll_patience(view))
            now = self._clock()
            try:
                observation = await self._observe(view, now, patience)
            except CloudCallError as error:
                decision = _observation_failed(view, error, self._timing)
                if view.uid in self._unsent and not view.deleting and not view.status.get("flowLogId"):
                    decision = replace(decision, status={**decision.status, "pendingCreate": None})
            else:
                decision = decide(view, observation, now, self._timing)
                decision = await self._act(view, decision)
            outcome = self._report(view, decision, now, created_at)
            if outcome.release:
                self._serial.forget(view.uid)
                self._unsent.discard(view.uid)
                self._track(view.uid, None)
            else:
                self._serial.remember(view.uid, outcome.status_patch)
                if outcome.requeue_after == self._timing.poll and self._poll_patience(
                    self._serial.overlay(view)
                ):
                    outcome = replace(outcome, requeue_after=0.0)
            return outcome

    def needs_pass(
        self, view: ObjectView, flow_log: CloudFlowLog | None, owned: Sequence[CloudFlowLog] = ()
    ) -> bool:
        """Whether a pass over ``view`` would do or write anything, judged from listed records.

        ``None`` (not in the list) always needs a pass: only the pass's own read can prove absence.
        ``owned`` are the listed flow logs carrying this object's ownership tag: one that is not the
        recorded flow log is a duplicate, which the pass looks up and deletes.
        """
        if view.paused or view.deleting or not view.known_flow_log_id or self._serial.busy(view.uid):
            return False  # nothing to compare, or someone else is at it
        view = self._serial.overlay(view)
        recorded = view.status.get("flowLogId")
        if recorded and any(fl.flow_log_id != recorded for fl in owned):
            self._duplicates_suspected.add(view.uid)
            return True
        if flow_log is None:
            return True
        now = self._clock()
        decision = decide(view, Observation(observed_at=now, flow_log=flow_log), now, self._timing)
        return decision.action is not None or bool(decision.events) or bool(self._patch(view, decision, now))

    async def aclose(self) -> None:
        """Stop the drift checks and shared observers before the cloud client they use is closed."""
        await self.drift.aclose()
        await self.stalls.aclose()
        await self._observers.aclose()

    def forget(self, uid: str) -> None:
        """The object is gone from the API server."""
        self.drift.unwatch(uid)
        self.stalls.forget(uid)
        self._serial.forget(uid)
        self._unsent.discard(uid)
        self._duplicates_suspected.discard(uid)
        self._track(uid, None)

    def _poll_patience(self, view: ObjectView) -> float:
        """How long a pass may wait for a shared read when all it does is wait out a transient state."""
        cloud_status = view.status.get("cloudStatus")
        if not self._batching or view.paused or cloud_status not in TRANSIENT_STATUSES:
            return 0.0
        if view.deleting and cloud_status != "Deleting":
            return 0.0  # a deletion just asked for: look now
        synced = find_condition(view.status.get("conditions") or (), SYNCED)
        if synced is None or synced.get("observedGeneration") != view.generation:
            return 0.0  # an edit not yet seen: look now
        requested = view.reconcile_requested_at
        if requested and view.status.get("lastHandledReconcileAt") != requested:
            return 0.0
        return self._timing.poll

    async def _observe(self, view: ObjectView, now: datetime, patience: float = 0.0) -> Observation:
        if view.paused or (view.deleting and not deletion_needs_cloud(view)):
            return Observation(observed_at=now)
        observer = self._observers[view.spec.region_id]
        flow_log_id = view.known_flow_log_id
        expect = str(view.status.get("cloudStatus") or "")
        flow_log = (
            await observer.by_id(flow_log_id, patience=patience, expect=expect) if flow_log_id else None
        )
        owned: tuple[CloudFlowLog, ...] | None = None
        if not view.status.get("flowLogId") and (view.create_pending or view.deleting):
            # Before every create (and every release of a create that may have happened): a body that
            # lags can show a mark, or hide one, so no create is ever sent without looking first.
            owned = tuple(await observer.owned_by(view.uid))
        elif view.uid in self._duplicates_suspected and not view.deleting:
            owned = tuple(await observer.owned_by(view.uid))
            if all(fl.flow_log_id == view.status.get("flowLogId") for fl in owned):
                self._duplicates_suspected.discard(view.uid)
        return Observation(observed_at=now, flow_log=flow_log, owned=owned)

    async def _act(self, view: ObjectView, decision: Decision) -> Decision:
        action = decision.action
        if action is None:
            return conclude_success(view, decision)
        if isinstance(action, MarkCreatePending):
            first = not view.create_pending and not view.body_status.get("pendingCreate")
            if first and not view.status.get("flowLogId") and not view.body_status.get("flowLogId"):
                self._unsent.add(view.uid)
            else:
                self._unsent.discard(view.uid)
            return conclude_success(view, decision)
        self._unsent.discard(view.uid)  # a cloud write is about to go out
        name = CLOUD_ACTIONS[type(action)]
        try:
            created = await perform(self._cloud, view.spec.region_id, action)
        except CloudCallError as error:
            self._failpoints.hit(f"after-{name}-failed")
            holder = None
            if isinstance(action, Create) and error.resource_already_has_flow_log:
                try:
                    holder = await self._observers[view.spec.region_id].holder_of(view.spec.resource_id)
                except CloudCallError:
                    holder = None
            logger.warning("%s for %s/%s failed: %s", name, view.namespace, view.name, error)
            return conclude_failure(view, decision, error, self._timing, holder)
        self._failpoints.hit(f"after-{name}")
        return conclude_success(view, decision, created)

    def _report(
        self, view: ObjectView, decision: Decision, now: datetime, created_at: datetime | None
    ) -> Outcome:
        patch = self._patch(view, decision, now)
        if "cloudStatus" in decision.status:
            self._track(view.uid, decision.status["cloudStatus"])
        previous = view.status.get("conditions") or []
        conditions = patch.get("conditions", previous)
        self._observe_readiness(view, previous, conditions, created_at, now)
        settled = decision.requeue_after is None or decision.requeue_after >= self._timing.resync
        failing = bool(decision.status.get("failures", view.status.get("failures")))
        requeue_after = decision.requeue_after
        if settled and not decision.release and not view.paused and (failing or view.unstored):
            # A failure waits for its next attempt, and a write the API server has not shown back is
            # written again: neither is settled, or nothing would ever come back to it.
            settled = False
            if requeue_after is None or not failing:
                requeue_after = self._timing.poll
        if decision.release:
            result = "released"
        elif view.paused:
            result = "paused"
        elif patch.get("failures"):
            result = "failed"
        else:
            result = "settled" if settled else "requeued"
        metrics.RECONCILES.labels(result=result).inc()
        return Outcome(
            status_patch=patch,
            events=decision.events,
            requeue_after=requeue_after,
            release=decision.release,
            settled=settled,
            why=decision.why,
        )

    def _patch(self, view: ObjectView, decision: Decision, now: datetime) -> dict[str, Any]:
        """The status merge-patch that makes ``view``'s status say what ``decision`` found."""
        wanted: dict[str, Any] = dict(decision.status)
        if view.reconcile_requested_at:
            wanted["lastHandledReconcileAt"] = view.reconcile_requested_at
        previous = view.status.get("conditions") or []
        conditions = merge_conditions(previous, decision.conditions, now=now, generation=view.generation)
        patch = {key: value for key, value in wanted.items() if view.status.get(key) != value}
        for key in view.unstored & wanted.keys():
            # A write the API server does not show back (it failed, or the body lags) is written
            # again: no create before it holds the mark, and a recorded flow log ID is never lost.
            patch[key] = wanted[key]
        if "conditions" in view.unstored or [_essence(c) for c in conditions] != [
            _essence(c) for c in previous
        ]:
            patch["conditions"] = conditions
        return patch

    def _observe_readiness(
        self,
        view: ObjectView,
        previous: list[Any],
        conditions: list[dict[str, Any]],
        created_at: datetime | None,
        now: datetime,
    ) -> None:
        was = find_condition(previous, READY)
        ready = find_condition(conditions, READY)
        first_ready = (
            ready is not None and ready["status"] == "True" and not view.status.get("observedGeneration")
        )
        if created_at is not None and first_ready and (was is None or was.get("status") != "True"):
            metrics.CREATE_TO_READY_SECONDS.observe(max(0.0, (now - created_at).total_seconds()))

    def _track(self, uid: str, cloud_status: str | None) -> None:
        old = self._cloud_status.pop(uid, None)
        if old is not None:
            metrics.OBJECTS.labels(cloud_status=old).dec()
        if cloud_status:
            self._cloud_status[uid] = cloud_status
            metrics.OBJECTS.labels(cloud_status=cloud_status).inc()


def _essence(condition: Any) -> tuple[Any, ...]:
    return tuple(condition.get(k) for k in ("type", "status", "reason", "message", "observedGeneration"))


def _observation_failed(view: ObjectView, error: CloudCallError, timing: Timing) -> Decision:
    failures = int(view.status.get("failures") or 0) + 1
    message = f"Could not read the flow log: {error.code}: {error.message}."
    terminal = error.kind is FailureKind.TERMINAL
    delay = timing.terminal_after(failures) if terminal else timing.retry_after(failures)
    ready = find_condition(view.status.get("conditions") or (), READY)
    ready_condition = (
        Condition(READY, ready["status"], str(ready.get("reason", "")), str(ready.get("message", "")))
        if ready is not None
        else Condition(READY, "Unknown", error.code, message)
    )
    if view.deleting:
        # A deletion that cannot read the cloud must say why it waits and how to get out of it.
        if terminal:
            message += f" Needs attention; trying again in {int(delay)}s."
        message += DELETION_WAY_OUT
        ready_condition = Condition(READY, "False", error.code, message)
    elif terminal and not view.status.get("flowLogId"):
        # Nothing exists yet and nothing will until someone fixes this: not Ready, and why.
        message += f" Needs attention; trying again in {int(delay)}s."
        ready_condition = Condition(READY, "False", error.code, message)
    return Decision(
        None,
        (ready_condition, Condition(SYNCED, "False", error.code, message)),
        status={"failures": failures},
        events=(Event(error.code, message, warning=True),),
        requeue_after=delay,
        why="observation failed",
    )
