"""``decide(object, observation, now) -> Decision``: the whole reconcile policy, with no I/O.

One pass takes at most one cloud action. The order of concerns is: paused, deleting, no flow log
yet (adopt what carries our ownership tag, else mark pending, else create), flow log gone (recreate),
transient cloud state (wait), immutable mismatch (report, never overwrite), then enable state,
mutable attributes, resource group and tags, one at a time, until nothing differs.
"""

from __future__ import annotations

from datetime import datetime

from flowlog_operator.core import diff
from flowlog_operator.core.conditions import READY, SYNCED, Condition, find_condition, format_time
from flowlog_operator.core.decisions import (
    Activate,
    Create,
    Deactivate,
    Decision,
    Delete,
    Event,
    MarkCreatePending,
    Modify,
    MoveResourceGroup,
    Tag,
    Untag,
)
from flowlog_operator.core.observation import CloudFlowLog, Observation
from flowlog_operator.core.timing import Timing
from flowlog_operator.core.view import ObjectView
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY

RETAIN = "Retain"


def ready_for(flow_log: CloudFlowLog, enabled: bool) -> Condition:
    """Ready says whether the flow log exists in the state the spec asks for."""
    status = flow_log.status
    if status == "Active" and enabled:
        return Condition(READY, "True", "Available", f"Flow log {flow_log.flow_log_id} is Active.")
    if status == "Inactive" and not enabled:
        return Condition(
            READY, "True", "Inactive", f"Flow log {flow_log.flow_log_id} is Inactive as requested."
        )
    if flow_log.transient:
        return Condition(READY, "False", status, f"Flow log {flow_log.flow_log_id} is {status}.")
    wanted = "Active" if enabled else "Inactive"
    return Condition(
        READY, "False", "Reconciling", f"Flow log {flow_log.flow_log_id} is {status}; {wanted} is wanted."
    )


def decide(view: ObjectView, observation: Observation, now: datetime, timing: Timing) -> Decision:
    """The one thing to do now for ``view``, given what the cloud looks like."""
    if view.paused:
        return _paused(view)
    if view.deleting:
        return _deletion(view, observation, timing)
    flow_log_id = view.known_flow_log_id
    if not flow_log_id:
        return _creation(view, observation, now, timing)
    duplicate = _duplicate_of_recorded(view, observation)
    if duplicate is not None:
        return duplicate
    if observation.flow_log is None:
        return _missing(view, flow_log_id, now, timing)
    if not view.status.get("flowLogId"):
        refused = _foreign_adoption(view, observation.flow_log, timing)
        if refused is not None:
            return refused
    return _existing(view, observation.flow_log, timing)


def _foreign_adoption(view: ObjectView, flow_log: CloudFlowLog, timing: Timing) -> Decision | None:
    """Refuse to adopt a flow log that carries another object's ownership tag: it is someone else's.

    No modify, tag or delete call is ever made on it (it is never recorded as this object's). The
    other owner is not named: it may live in a namespace this object's readers cannot see.
    """
    owner = flow_log.tags.get(OWNERSHIP_TAG_KEY)
    if not owner or owner == view.uid:
        return None
    message = (
        f"Flow log {flow_log.flow_log_id} named by spec.adoptFlowLogId belongs to another FlowLog object "
        f"(its {OWNERSHIP_TAG_KEY} tag names another owner); it is not adopted."
    )
    failures = _failures(view) + 1
    return Decision(
        None,
        (
            Condition(READY, "False", "AdoptionRefused", message),
            Condition(SYNCED, "False", "AdoptionRefused", message),
        ),
        status={"failures": failures},
        events=_once(view, "AdoptionRefused", message),
        requeue_after=timing.terminal_after(failures),
        why="the flow log to adopt carries another object's ownership tag",
    )


def _duplicate_of_recorded(view: ObjectView, observation: Observation) -> Decision | None:
    """Delete a flow log that carries this object's ownership tag but is not the recorded one.

    Such a flow log can only come from a create whose answer never arrived; left alone it would cost
    money and deliver logs twice for ever.
    """
    recorded = view.status.get("flowLogId")
    if observation.flow_log is None:
        return None  # the recorded one is missing: the recreate path looks up by tag and adopts one
    extras = [fl for fl in observation.owned or () if recorded and fl.flow_log_id != recorded]
    extra = next((fl for fl in extras if not fl.transient), None)
    if extra is None:
        return None
    message = (
        f"Deleting flow log {extra.flow_log_id}: it carries this object's ownership tag but the object's "
        f"flow log is {recorded}."
    )
    synced = Condition(SYNCED, "False", "DuplicateDeleted", message)
    return Decision(
        Delete(extra.flow_log_id),
        (ready_for(observation.flow_log, view.spec.enabled), synced),
        events=(Event("DuplicateDeleted", message, warning=True),),
        requeue_after=0,
        why="a duplicate carries our ownership tag: delete it",
    )


def _paused(view: ObjectView) -> Decision:
    previous = find_condition(view.status.get("conditions") or (), READY)
    ready = (
        Condition(
            READY, previous["status"], str(previous.get("reason", "")), str(previous.get("message", ""))
        )
        if previous is not None and previous.get("status") in {"True", "False", "Unknown"}
        else Condition(READY, "Unknown", "Paused", "Reconciliation is paused.")
    )
    message = "Reconciliation is paused by the vpc.alicloud.io/paused annotation."
    if view.deleting:
        message += " The deletion waits: the flow log is not touched until the annotation is removed."
    synced = Condition(SYNCED, "False", "Paused", message)
    events = () if _reason_of(view, SYNCED) == "Paused" else (Event("Paused", "Reconciliation paused."),)
    return Decision(None, (ready, synced), events=events, why="paused: no cloud call")


def _pending_mark(view: ObjectView, now: datetime) -> dict[str, object]:
    mark: dict[str, object] = {"token": view.uid, "startedAt": format_time(now)}
    previous = view.status.get("pendingCreate")
    if isinstance(previous, dict) and previous.get("outcomeUnknown"):
        mark["outcomeUnknown"] = True  # written again: what it knows must not be lost
    return {"pendingCreate": mark}


def _creation(view: ObjectView, observation: Observation, now: datetime, timing: Timing) -> Decision:
    owned = sorted(observation.owned or (), key=lambda fl: (fl.creation_time, fl.flow_log_id))
    creating = (
        Condition(READY, "False", "Creating", "Creating the flow log."),
        Condition(SYNCED, "False", "Creating", "Creating the flow log."),
    )
    if len(owned) > 1:
        extra = next((fl for fl in owned[1:] if not fl.transient), None)
        if extra is None:
            return Decision(None, creating, requeue_after=timing.poll, why="duplicates are busy; wait")
        return Decision(
            Delete(extra.flow_log_id),
            creating,
            events=(
                Event(
                    "DuplicateDeleted",
                    f"Deleting flow log {extra.flow_log_id}: it duplicates {owned[0].flow_log_id}, "
                    "which carries the same ownership tag.",
                    warning=True,
                ),
            ),
            requeue_after=timing.poll,
            why="more than one flow log carries our tag: delete the newer",
        )
    if owned:
        found = owned[0]
        status = {**diff.observed_status(found), "pendingCreate": None}
        return Decision(
            None,
            (ready_for(found, view.spec.enabled), Condition(SYNCED, "False", "Adopted", "Adopted.")),
            status=status,
            events=(
                Event(
                    "Adopted",
                    f"Found flow log {found.flow_log_id} carrying this object's ownership tag "
                    "and adopted it instead of creating another.",
                ),
            ),
            requeue_after=0,
            why="a flow log with our ownership tag exists: adopt it",
        )
    if not view.create_pending_stored:
        # Also when this process wrote the mark but the API server has not shown it back: a write
        # that failed must not let a create through with nothing stored to find it by after a crash.
        return Decision(
            MarkCreatePending(),
            creating,
            status=_pending_mark(view, now),
            requeue_after=0,
            why="persist the create-pending mark before calling CreateFlowLog",
        )
    return Decision(
        Create(diff.create_request(view)),
        creating,
        requeue_after=timing.poll,
        why="pending mark stored and no flow log carries our tag: create",
    )


def _missing(view: ObjectView, flow_log_id: str, now: datetime, timing: Timing) -> Decision:
    if not view.status.get("flowLogId") or view.spec.adopt_flow_log_id == flow_log_id:
        message = (
            f"Flow log {flow_log_id} named by spec.adoptFlowLogId does not exist in {view.spec.region_id}."
        )
        return Decision(
            None,
            (
                Condition(READY, "False", "AdoptionTargetNotFound", message),
                Condition(SYNCED, "False", "AdoptionTargetNotFound", message),
            ),
            events=_once(view, "AdoptionTargetNotFound", message),
            requeue_after=timing.terminal_after(_failures(view) + 1),
            status={"failures": _failures(view) + 1},
            why="the flow log to adopt does not exist",
        )
    message = f"Flow log {flow_log_id} no longer exists in the cloud; creating a new one."
    return Decision(
        MarkCreatePending(),
        (
            Condition(READY, "False", "Recreating", message),
            Condition(SYNCED, "False", "Recreating", message),
        ),
        status={
            **_pending_mark(view, now),
            "flowLogId": None,
            "cloudStatus": None,
            "businessStatus": None,
            "creationTime": None,
            "deliveryStatus": None,
            "deliveryError": None,
        },
        events=(Event("FlowLogDeletedOutOfBand", message, warning=True),),
        requeue_after=0,
        why="our flow log disappeared: recreate it",
    )


def _existing(view: ObjectView, flow_log: CloudFlowLog, timing: Timing) -> Decision:
    status = dict(diff.observed_status(flow_log))
    ready = ready_for(flow_log, view.spec.enabled)
    if flow_log.transient:
        return Decision(
            None,
            (
                ready,
                Condition(
                    SYNCED, "False", flow_log.status, f"Waiting while the flow log is {flow_log.status}."
                ),
            ),
            status=status,
            requeue_after=timing.poll,
            why=f"cloud state {flow_log.status} is transient: wait",
        )
    mismatches = diff.immutable_mismatches(view, flow_log)
    if mismatches:
        detail = "; ".join(
            f"spec.{name} is {want!r} but the flow log has {have!r}"
            for name, (want, have) in mismatches.items()
        )
        message = f"Flow log {flow_log.flow_log_id} differs in fields that cannot change: {detail}."
        if not view.status.get("flowLogId"):
            # Not adopted: it is never recorded as this object's, so deleting the object leaves it be.
            status.pop("flowLogId", None)
        return Decision(
            None,
            (ready, Condition(SYNCED, "False", "ImmutableFieldMismatch", message)),
            status=status,
            events=_once(view, "ImmutableFieldMismatch", message),
            requeue_after=timing.resync,
            why="immutable fields differ: report, never overwrite",
        )
    drift = view.status.get("observedGeneration") == view.generation and _reason_of(view, SYNCED) == "Synced"
    updating = Condition(SYNCED, "False", "Updating", "Applying the spec to the flow log.")
    enabled = view.spec.enabled
    if enabled and flow_log.status == "Inactive":
        return _step(
            view,
            Activate(flow_log.flow_log_id),
            ready,
            updating,
            status,
            timing,
            drift,
            "Activating the flow log (spec.enabled is true).",
            {"cloudStatus": "Activating"},
        )
    if not enabled and flow_log.status == "Active":
        return _step(
            view,
            Deactivate(flow_log.flow_log_id),
            ready,
            updating,
            status,
            timing,
            drift,
            "Deactivating the flow log (spec.enabled is false).",
            {"cloudStatus": "Deactivating"},
        )
    changes = diff.modify_changes(view, flow_log)
    if changes:
        return _step(
            view,
            Modify(flow_log.flow_log_id, changes),
            ready,
            updating,
            status,
            timing,
            drift,
            f"Updating {', '.join(sorted(changes))}.",
        )
    wanted_group = view.spec.resource_group_id
    if wanted_group and wanted_group != flow_log.resource_group_id:
        return _step(
            view,
            MoveResourceGroup(flow_log.flow_log_id, wanted_group),
            ready,
            updating,
            status,
            timing,
            drift,
            f"Moving the flow log to resource group {wanted_group}.",
        )
    to_set, to_remove = diff.tag_changes(view, flow_log)
    if to_remove:
        return _step(
            view,
            Untag(flow_log.flow_log_id, to_remove),
            ready,
            updating,
            status,
            timing,
            drift,
            f"Removing tags {', '.join(to_remove)}.",
        )
    if to_set:
        return _step(
            view,
            Tag(flow_log.flow_log_id, to_set),
            ready,
            updating,
            status,
            timing,
            drift,
            f"Setting tags {', '.join(sorted(to_set))}.",
        )
    status.update({"observedGeneration": view.generation, "failures": None, "pendingCreate": None})
    return Decision(
        None,
        (ready, Condition(SYNCED, "True", "Synced", "The flow log matches the spec.")),
        status=status,
        requeue_after=timing.resync,
        why="nothing differs",
    )


def _step(
    view: ObjectView,
    action: Activate | Deactivate | Modify | MoveResourceGroup | Tag | Untag,
    ready: Condition,
    updating: Condition,
    status: dict[str, object],
    timing: Timing,
    drift: bool,
    message: str,
    after: dict[str, object] | None = None,
) -> Decision:
    if drift:
        event = Event("DriftRepaired", f"The flow log drifted from the spec. {message}", warning=True)
    else:
        event = Event("Updating", message)
    return Decision(
        action,
        (ready, updating),
        status=status,
        on_success=after or {},
        events=(event,),
        requeue_after=timing.poll,
        why=message,
    )


def deletion_needs_cloud(view: ObjectView) -> bool:
    """Whether deleting ``view`` needs the cloud at all.

    ``Retain`` never does (editing the policy to Retain is the way out of a deletion the cloud keeps
    refusing). Nor does an object that never recorded a flow log and holds no stored create-pending
    mark: no create can have been sent for it, so there is nothing to look for.
    """
    if view.spec.deletion_policy == RETAIN:
        return False
    # Both what the API server showed and what this process wrote count: either may be the newer.
    return any(
        status.get("flowLogId") or status.get("pendingCreate") for status in (view.status, view.body_status)
    )


def _deletion(view: ObjectView, observation: Observation, timing: Timing) -> Decision:
    deleting = Condition(READY, "False", "Deleting", "Deleting the flow log.")
    synced = Condition(SYNCED, "False", "Deleting", "Deleting the flow log.")
    if view.spec.deletion_policy != RETAIN and not deletion_needs_cloud(view):
        return Decision(
            None,
            (deleting, synced),
            events=(Event("Deleted", "No flow log was created for this object; nothing to delete."),),
            release=True,
            why="no flow log recorded and no create pending: release without a cloud call",
        )
    if view.spec.deletion_policy == RETAIN:
        flow_log_id = view.status.get("flowLogId")
        message = (
            f"Flow log {flow_log_id} is retained (deletionPolicy: Retain)."
            if flow_log_id
            else "Nothing to retain."
        )
        return Decision(
            None,
            (deleting, synced),
            events=(Event("Retained", message),),
            release=True,
            why="deletionPolicy Retain: leave the flow log",
        )
    targets = [observation.flow_log] if observation.flow_log is not None else []
    if not view.status.get("flowLogId"):
        # Never recorded an ID: anything carrying our tag is ours to delete (a create that crashed).
        targets = list(observation.owned or ())
    if not targets:
        return Decision(
            None,
            (deleting, synced),
            events=(Event("Deleted", "The flow log is gone."),),
            release=True,
            why="nothing left in the cloud: release the finalizer",
        )
    busy = [fl for fl in targets if fl.transient]
    idle = [fl for fl in targets if not fl.transient]
    if idle:
        target = idle[0]
        return Decision(
            Delete(target.flow_log_id),
            (deleting, synced),
            status=diff.observed_status(target),
            on_success={"cloudStatus": "Deleting"},
            events=(Event("Deleting", f"Deleting flow log {target.flow_log_id}."),),
            requeue_after=timing.poll,
            why="delete the flow log",
        )
    return Decision(
        None,
        (deleting, synced),
        status=diff.observed_status(busy[0]),
        requeue_after=timing.poll,
        why=f"flow log is {busy[0].status}: wait before or while deleting",
    )


def _failures(view: ObjectView) -> int:
    value = view.status.get("failures")
    return int(value) if isinstance(value, int) else 0


def _reason_of(view: ObjectView, kind: str) -> str:
    found = find_condition(view.status.get("conditions") or (), kind)
    return str(found.get("reason", "")) if found else ""


def _once(view: ObjectView, reason: str, message: str) -> tuple[Event, ...]:
    """A warning Event only when the Synced reason changes to ``reason``, not on every pass."""
    if _reason_of(view, SYNCED) == reason:
        return ()
    return (Event(reason, message, warning=True),)
