"""``conclude``: turn the outcome of a decision's cloud call into the status and Events to write.

Success keeps the decision's report, adding what the answer taught (the new flow log ID).
A failure is reported by its Alibaba code: on ``Synced`` always, and on ``Ready`` when it is
terminal and no flow log exists yet (a retryable one leaves Ready as the decision had it, e.g.
Creating, so health checks do not call a passing throttle a failure). Terminal failures back off
slowly and recover by themselves once the cause is fixed; retryable ones back off quickly; an
ambiguous create keeps the pending mark, so the next pass looks for the flow log by its ownership
tag before creating again.
"""

from __future__ import annotations

from dataclasses import replace

from flowlog_operator.core import diff
from flowlog_operator.core.conditions import READY, SYNCED, Condition
from flowlog_operator.core.decide import ready_for
from flowlog_operator.core.decisions import Create, Decision, Event, MarkCreatePending
from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import CloudCallError, FailureKind
from flowlog_operator.core.timing import Timing
from flowlog_operator.core.view import ObjectView


def conclude_success(view: ObjectView, decision: Decision, created_id: str | None = None) -> Decision:
    """The decision as it stands once its action succeeded."""
    if isinstance(decision.action, Create) and created_id:
        message = f"Created flow log {created_id}; waiting for it to become Active."
        return replace(
            decision,
            conditions=(
                Condition(READY, "False", "Activating", message),
                Condition(SYNCED, "False", "Activating", message),
            ),
            status={
                **decision.status,
                "flowLogId": created_id,
                "cloudStatus": "Activating",
                "pendingCreate": None,
                "failures": None,
            },
            events=(*decision.events, Event("Created", f"Created flow log {created_id}.")),
        )
    if isinstance(decision.action, MarkCreatePending):
        return decision  # no cloud answer yet: a run of failed creates goes on counting
    if decision.action is None:
        if "failures" in decision.status:
            return decision
        # The cloud answered: the run of consecutive failures is over, so the next one backs off from
        # the start again (otherwise failures spread over a long life add up to the longest delay).
        return replace(decision, status={**decision.status, "failures": None})
    return replace(decision, status={**decision.status, **decision.on_success, "failures": None})


def conclude_failure(
    view: ObjectView,
    decision: Decision,
    error: CloudCallError,
    timing: Timing,
    resource_holder: CloudFlowLog | None = None,
) -> Decision:
    """The decision as it stands once its action failed with ``error``."""
    if (
        isinstance(decision.action, Create)
        and error.resource_already_has_flow_log
        and resource_holder is not None
        and diff.owned_by(view, resource_holder)
    ):
        # Our own earlier create went through after all: adopt, never create twice.
        return Decision(
            None,
            (
                ready_for(resource_holder, view.spec.enabled),
                Condition(SYNCED, "False", "Adopted", "Adopted."),
            ),
            status={**diff.observed_status(resource_holder), "pendingCreate": None, "failures": None},
            events=(
                Event(
                    "Adopted",
                    f"The resource already has flow log {resource_holder.flow_log_id}, which carries "
                    "this object's ownership tag; adopted it.",
                ),
            ),
            requeue_after=0,
            why="create refused because our own flow log exists: adopt it",
        )
    if error.ambiguous:
        message = f"{error.action or 'The call'} got no answer ({error.code}); checking before trying again."
        status = dict(decision.status)
        mark = view.status.get("pendingCreate")
        if isinstance(decision.action, Create) and isinstance(mark, dict):
            status["pendingCreate"] = {**mark, "outcomeUnknown": True}
        return replace(
            decision,
            conditions=_with_synced(decision, error.code, message),
            status=status,
            events=(Event(error.code, message, warning=True),),
            requeue_after=0,
        )
    if error.kind is FailureKind.NOT_FOUND:
        return replace(decision, status={}, events=(), requeue_after=0)
    failures = _failures(view) + 1
    message = _describe(error, resource_holder)
    if error.kind is FailureKind.TERMINAL:
        delay = timing.terminal_after(failures)
        message += f" Needs attention; trying again in {int(delay)}s."
    else:
        delay = timing.retry_after(failures)
    if view.deleting:
        message += DELETION_WAY_OUT
    conditions = _with_synced(decision, error.code, message)
    if error.kind is FailureKind.TERMINAL and (
        isinstance(decision.action, Create) or _no_flow_log(view) or view.deleting
    ):
        conditions = (Condition(READY, "False", error.code, message), conditions[1])
    status = {**decision.status, "failures": failures}
    mark = view.status.get("pendingCreate")
    if isinstance(decision.action, Create) and not (isinstance(mark, dict) and mark.get("outcomeUnknown")):
        # The cloud refused this create and no earlier one is open: nothing can exist, so nothing is
        # left to look for (a deletion now releases without a cloud call).
        status["pendingCreate"] = None
    return replace(
        decision,
        conditions=conditions,
        status=status,
        events=(Event(error.code, message, warning=True),),
        requeue_after=delay,
    )


DELETION_WAY_OUT = (
    " The deletion waits until the cloud call succeeds; to release the object and keep the flow log"
    " instead, set spec.deletionPolicy to Retain."
)


def _with_synced(decision: Decision, reason: str, message: str) -> tuple[Condition, Condition]:
    ready = next(
        (c for c in decision.conditions if c.type == READY), Condition(READY, "Unknown", reason, message)
    )
    return ready, Condition(SYNCED, "False", reason, message)


def _no_flow_log(view: ObjectView) -> bool:
    return not view.status.get("flowLogId")


def _failures(view: ObjectView) -> int:
    value = view.status.get("failures")
    return int(value) if isinstance(value, int) else 0


def _describe(error: CloudCallError, resource_holder: CloudFlowLog | None) -> str:
    text = f"{error.action or 'Cloud call'} failed: {error.code}: {error.message}"
    if error.request_id:
        text += f" (RequestId {error.request_id})"
    if error.resource_already_has_flow_log and resource_holder is not None:
        text += (
            f" The resource already has flow log {resource_holder.flow_log_id}, not created by this object;"
            " delete it or adopt it with spec.adoptFlowLogId."
        )
    return text + "."
