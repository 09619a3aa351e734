"""kopf handlers: every cause of a FlowLog becomes one reconcile pass of the engine.

Create, update and resume start a change loop that retries (``kopf.TemporaryError``) until the
object settles. Settled objects are checked for drift by the engine's sweep (one region list per
resync period); the per-object ``resync`` daemon only sleeps until the sweep wakes it, then runs a
loop of its own (never while a change loop is active for that object). Delete runs behind our own
finalizer until the engine releases the object. :func:`deliver` is the one place where an engine
outcome becomes kopf's vocabulary (status patch, Events, TemporaryError).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import kopf
from pydantic import ValidationError

from flowlog_operator.core.view import ObjectView
from flowlog_operator.engine.reconciler import Outcome, Reconciler
from flowlog_operator.model.names import GROUP, PLURAL, VERSION
from flowlog_operator.wiring.views import created_at, object_view

AnyLogger = logging.Logger | logging.LoggerAdapter[Any]


def deliver(outcome: Outcome, *, body: kopf.Body, patch: kopf.Patch, deleting: bool = False) -> None:
    """Write the outcome through kopf; raise TemporaryError while the object is not settled.

    For a deletion only a release ends the handler: returning would let kopf drop the finalizer while
    the flow log still exists (paused, or a delete the cloud keeps refusing).
    """
    for key, value in outcome.status_patch.items():
        patch.status[key] = value
    for event in outcome.events:
        kopf.event(
            body, type="Warning" if event.warning else "Normal", reason=event.reason, message=event.message
        )
    if outcome.release or (outcome.settled and not deleting):
        return
    delay = DELETION_RECHECK_SECONDS if outcome.requeue_after is None else max(0.0, outcome.requeue_after)
    raise kopf.TemporaryError(f"{EXPECTED_WAIT} {delay:g}s: {outcome.why}", delay=delay)


EXPECTED_WAIT = "next pass in"
# kopf's bookkeeping annotations live under this prefix. Not GROUP itself: kopf leaves every annotation
# under its storage prefix out of the change detection, and the user-facing vpc.alicloud.io/paused and
# vpc.alicloud.io/reconcile-requested-at annotations must trigger a pass.
KOPF_STORAGE_PREFIX = f"kopf.{GROUP}"
# Written to an object that kopf left unhandled, so that an event brings it back (see the stall watch).
# Under kopf's prefix: it is no change of the object, only a reason for kopf to look at it again.
WAKE_UP_ANNOTATION = f"{KOPF_STORAGE_PREFIX}/wake-up"
# kopf's record of the last spec it handled to the end; without it kopf still has a handler to run.
DIFF_BASE_KEY = "last-handled-configuration"
DIFF_BASE_ANNOTATION = f"{KOPF_STORAGE_PREFIX}/{DIFF_BASE_KEY}"
# Not kopf's per-object logger: that one posts every record as an Event of the object.
stall_logger = logging.getLogger("flowlog_operator.stalls")
# A deletion with nothing to do now (paused) looks again this often (kopf does not cut a retry delay
# short for an annotation change on an object being deleted).
DELETION_RECHECK_SECONDS = 30.0
# How long a handler keeps polling by itself while nothing changes (e.g. a flow log Activating) before
# handing back to kopf. Each kopf retry costs API-server writes (progress and wake-up annotations); a
# quiet poll costs none. Bounded, because kopf queues the object's other events (an edit, a deletion)
# behind a running handler.
QUIET_POLL_SECONDS = 15.0
# A stopping resync daemon is cancelled at once (kopf waits this long for the cancellation to land).
DAEMON_CANCELLATION_SECONDS = 5.0


class ExpectedWaitFilter(logging.Filter):
    """kopf logs every TemporaryError at ERROR; ours are planned requeues, so they become DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if f"failed temporarily: {EXPECTED_WAIT} " in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


class Handlers:
    """The handler functions, bound to one operator's reconciler (made at start-up)."""

    def __init__(self, reconciler: Callable[[], Reconciler]) -> None:
        self._reconciler = reconciler
        self._change_loops: set[str] = set()
        self._drift_loops: set[str] = set()
        # Objects whose last pass settled them and that no loop handles now: only these are drift
        # checked. Two handlers writing the status of one object at once could land their writes in
        # either order, so a drift pass never runs beside a change loop (or before the first one).
        self._settled: set[str] = set()

    async def ensure(self, *, body: kopf.Body, patch: kopf.Patch, logger: AnyLogger, **_: Any) -> None:
        outcome = await self._loop_pass(self._change_loops, body, logger)
        if outcome is not None:
            deliver(outcome, body=body, patch=patch)

    async def resync(self, *, body: kopf.Body, patch: kopf.Patch, logger: AnyLogger, **_: Any) -> None:
        """Sleep until the drift sweep says this object needs a pass; then loop until it settles.

        Every return to kopf is a ``TemporaryError`` (so kopf writes the patch and calls again); only a
        stop (deletion, operator exit) ends the daemon: kopf cancels it (``cancellation_timeout``).
        """
        uid = str(body.metadata.uid)
        reconciler = self._reconciler()
        if uid not in self._drift_loops:
            woken = reconciler.drift.watch(uid, lambda: self._settled_view(body))
            reconciler.stalls.watch(uid, woken)
            try:
                # Nothing else waits here (one coroutine per object): a stop cancels the wait.
                await woken.wait()
            except asyncio.CancelledError:
                reconciler.drift.unwatch(uid)
                reconciler.stalls.unwatch(uid)
                raise
            woken.clear()
            deleting = bool(body.metadata.get("deletionTimestamp"))
            stalled = reconciler.stalls.stalled(uid) and not deleting
            kopf_has_work = uid in self._change_loops or DIFF_BASE_ANNOTATION not in body.metadata.annotations
            if stalled and kopf_has_work:
                # kopf did not come back when the last pass asked (or never ran a first one): a write
                # makes the API server send an event, which kopf handles like any other. The stall
                # watch repeats this until a pass runs, since one event can be swallowed too.
                stall_logger.info(
                    "%s/%s made no progress for %gs past its next pass; waking it",
                    body.metadata.namespace,
                    body.metadata.name,
                    reconciler.stalls.grace,
                )
                patch.metadata.annotations[WAKE_UP_ANNOTATION] = datetime.now(UTC).isoformat()
                raise kopf.TemporaryError(f"{EXPECTED_WAIT} 0s: woken after a stall", delay=0)
            if not stalled and (uid not in self._settled or deleting):
                raise kopf.TemporaryError(f"{EXPECTED_WAIT} 0s: a change loop runs", delay=0)
            # Woken by the drift sweep, or stalled while kopf has nothing left to run for it (its
            # handler finished, but a write was lost or a drift pass failed): a pass of its own.
        outcome = await self._loop_pass(self._drift_loops, body, logger)
        if outcome is not None:
            deliver(outcome, body=body, patch=patch)  # raises while the object is not settled
        raise kopf.TemporaryError(f"{EXPECTED_WAIT} 0s: wait for the next drift check", delay=0)

    async def _loop_pass(self, loops: set[str], body: kopf.Body, logger: AnyLogger) -> Outcome | None:
        """One pass of a change or drift loop: the object is in ``loops`` until a pass settles it."""
        uid = str(body.metadata.uid)
        loops.add(uid)
        self._settled.discard(uid)
        try:
            outcome = await self._pass(body, logger)
        except BaseException:
            loops.discard(uid)
            raise
        if outcome is None or outcome.settled or outcome.release:
            loops.discard(uid)
            busy = uid in self._change_loops or uid in self._drift_loops
            if outcome is not None and outcome.settled and not busy:
                self._settled.add(uid)
        return outcome

    def _settled_view(self, body: kopf.Body) -> ObjectView | None:
        """The object for the drift sweep, or ``None`` while something else is handling it."""
        uid = str(body.metadata.uid)
        if uid not in self._settled or body.metadata.get("deletionTimestamp"):
            return None
        try:
            return object_view(body)
        except ValidationError:
            return None

    async def remove(self, *, body: kopf.Body, patch: kopf.Patch, logger: AnyLogger, **_: Any) -> None:
        self._change_loops.discard(str(body.metadata.uid))
        self._settled.discard(str(body.metadata.uid))
        outcome = await self._pass(body, logger, deleting=True)
        if outcome is not None:
            deliver(outcome, body=body, patch=patch, deleting=True)

    async def gone(self, *, body: kopf.Body, **_: Any) -> None:
        """The object left the API server (after our finalizer was released, or without it)."""
        uid = str(body.metadata.uid)
        self._change_loops.discard(uid)
        self._drift_loops.discard(uid)
        self._settled.discard(uid)
        self._reconciler().forget(uid)

    async def _pass(self, body: kopf.Body, logger: AnyLogger, deleting: bool | None = None) -> Outcome | None:
        try:
            view = object_view(body, deleting=deleting)
        except ValidationError as error:
            # The CRD schema should have refused this; say so rather than act on a guess.
            message = f"spec is invalid: {error.errors()[0]['msg']}"
            kopf.warn(body, reason="InvalidSpec", message=message)
            self._reconciler().stalls.settle(str(body.metadata.uid))  # kopf waits for an edit
            raise kopf.PermanentError(message) from None
        reconciler = self._reconciler()
        born = created_at(body)
        outcome = await reconciler.reconcile(view, created_at=born)
        deadline = time.monotonic() + QUIET_POLL_SECONDS
        while _quiet_wait(outcome) and time.monotonic() + (outcome.requeue_after or 0) < deadline:
            # Nothing to write and nothing to say: poll again here rather than through a kopf retry.
            await asyncio.sleep(outcome.requeue_after or 0)
            outcome = await reconciler.reconcile(view, created_at=born)
        logger.debug("reconciled: %s", outcome.why)
        return outcome


def _quiet_wait(outcome: Outcome) -> bool:
    return not (outcome.status_patch or outcome.events or outcome.release or outcome.settled)


def register(registry: kopf.OperatorRegistry, handlers: Handlers) -> None:
    """Attach the handlers for FlowLog to ``registry``."""
    for decorate in (kopf.on.resume, kopf.on.create, kopf.on.update):
        decorate(GROUP, VERSION, PLURAL, id="ensure", registry=registry)(handlers.ensure)
    kopf.on.delete(GROUP, VERSION, PLURAL, id="remove", registry=registry)(handlers.remove)
    kopf.daemon(
        GROUP,
        VERSION,
        PLURAL,
        id="resync",
        cancellation_timeout=DAEMON_CANCELLATION_SECONDS,
        registry=registry,
    )(handlers.resync)
    kopf.on.event(GROUP, VERSION, PLURAL, id="gone", registry=registry, when=_deleted)(handlers.gone)


def _deleted(event: Mapping[str, Any], **_: Any) -> bool:
    return event.get("type") == "DELETED"
