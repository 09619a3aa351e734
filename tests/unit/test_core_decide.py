"""The reconcile policy: one table row per situation, each with the sentence that justifies it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from flowlog_operator.core import decisions as d
from flowlog_operator.core.conclude import conclude_failure, conclude_success
from flowlog_operator.core.decide import decide
from flowlog_operator.core.observation import CloudFlowLog, Observation
from flowlog_operator.core.ports import CloudCallError, FailureKind
from flowlog_operator.core.timing import Timing
from flowlog_operator.core.view import PAUSED_ANNOTATION, ObjectView
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
TIMING = Timing()
UID = "0b6f1c1e-uid"


@dataclass(frozen=True)
class Spec:
    region_id: str = "cn-hangzhou"
    resource_type: str = "VPC"
    resource_id: str = "vpc-1"
    traffic_type: str = "All"
    project_name: str | None = "proj"
    log_store_name: str | None = "store"
    aggregation_interval: int | None = 10
    traffic_path: Sequence[str] | None = None
    ip_version: str | None = None
    flow_log_name: str | None = None
    description: str | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str] | None = None
    enabled: bool = True
    deletion_policy: str = "Delete"
    adopt_flow_log_id: str | None = None


def view(spec: Spec | None = None, status: Mapping[str, Any] | None = None, **kw: Any) -> ObjectView:
    return ObjectView(
        uid=UID,
        namespace="ns",
        name="fl",
        generation=kw.pop("generation", 1),
        spec=spec or Spec(),
        status=status or {},
        **kw,
    )


def cloud(status: str = "Active", **kw: Any) -> CloudFlowLog:
    fields: dict[str, Any] = {
        "flow_log_id": "fl-1",
        "region_id": "cn-hangzhou",
        "status": status,
        "resource_type": "VPC",
        "resource_id": "vpc-1",
        "traffic_type": "All",
        "project_name": "proj",
        "log_store_name": "store",
        "aggregation_interval": 10,
        "flow_log_name": "ns-fl",
        "tags": {OWNERSHIP_TAG_KEY: UID},
        "creation_time": "2026-11-28T11:00:00Z",
    }
    fields.update(kw)
    return CloudFlowLog(**fields)


def seen(flow_log: CloudFlowLog | None = None, owned: Sequence[CloudFlowLog] | None = None) -> Observation:
    return Observation(observed_at=NOW, flow_log=flow_log, owned=None if owned is None else tuple(owned))


def reasons(decision: d.Decision) -> dict[str, str]:
    return {c.type: c.reason for c in decision.conditions}


HAS_ID = {"flowLogId": "fl-1"}
SETTLED = {
    "flowLogId": "fl-1",
    "observedGeneration": 1,
    "conditions": [{"type": "Synced", "status": "True", "reason": "Synced"}],
}


@dataclass
class Case:
    why: str
    view: ObjectView
    observation: Observation
    action: type[Any] | None
    ready: str
    synced: str
    release: bool = False
    status: Mapping[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "a new object first persists the pending mark, with no cloud call",
        view(),
        seen(owned=[]),
        d.MarkCreatePending,
        "Creating",
        "Creating",
        status={"pendingCreate": {"token": UID, "startedAt": "2026-11-28T12:00:00Z"}},
    ),
    Case(
        "with the mark stored and nothing carrying our tag, the flow log is created",
        view(status={"pendingCreate": {"token": UID}}),
        seen(owned=[]),
        d.Create,
        "Creating",
        "Creating",
    ),
    Case(
        "after a crash, a flow log carrying our tag is adopted instead of created again",
        view(status={"pendingCreate": {"token": UID}}),
        seen(owned=[cloud("Activating")]),
        None,
        "Activating",
        "Adopted",
        status={"flowLogId": "fl-1", "pendingCreate": None},
    ),
    Case(
        "two flow logs carrying our tag: the newer one is deleted",
        view(status={"pendingCreate": {"token": UID}}),
        seen(owned=[cloud(), cloud(flow_log_id="fl-2", creation_time="2026-11-28T11:30:00Z")]),
        d.Delete,
        "Creating",
        "Creating",
    ),
    Case(
        "while the cloud says Activating, the operator waits",
        view(status=HAS_ID),
        seen(cloud("Activating")),
        None,
        "Activating",
        "Activating",
    ),
    Case(
        "an Active flow log matching the spec is Ready and Synced, and observedGeneration follows",
        view(status=HAS_ID),
        seen(cloud()),
        None,
        "Available",
        "Synced",
        status={"observedGeneration": 1},
    ),
    Case(
        "a flow log deleted out of band is recreated, starting with a new pending mark",
        view(status=HAS_ID),
        seen(None),
        d.MarkCreatePending,
        "Recreating",
        "Recreating",
        status={"flowLogId": None},
    ),
    Case(
        "enabled: false deactivates an Active flow log",
        view(Spec(enabled=False), status=HAS_ID),
        seen(cloud()),
        d.Deactivate,
        "Reconciling",
        "Updating",
    ),
    Case(
        "a flow log found Inactive while enabled is true is reactivated",
        view(status=SETTLED),
        seen(cloud("Inactive")),
        d.Activate,
        "Reconciling",
        "Updating",
    ),
    Case(
        "a disabled flow log that is Inactive is Ready",
        view(Spec(enabled=False), status=HAS_ID),
        seen(cloud("Inactive")),
        None,
        "Inactive",
        "Synced",
    ),
    Case(
        "a changed description is sent with ModifyFlowLogAttribute",
        view(Spec(description="new"), status=HAS_ID),
        seen(cloud(description="old")),
        d.Modify,
        "Available",
        "Updating",
    ),
    Case(
        "a field the spec leaves out is not cleared in the cloud",
        view(Spec(description=None), status=HAS_ID),
        seen(cloud(description="set by hand")),
        None,
        "Available",
        "Synced",
    ),
    Case(
        "a tag removed from the spec is removed from the flow log, the ownership tag stays",
        view(status=HAS_ID),
        seen(cloud(tags={OWNERSHIP_TAG_KEY: UID, "team": "net"})),
        d.Untag,
        "Available",
        "Updating",
    ),
    Case(
        "a tag added to the spec is set on the flow log",
        view(Spec(tags={"team": "net"}), status=HAS_ID),
        seen(cloud()),
        d.Tag,
        "Available",
        "Updating",
    ),
    Case(
        "a system tag is never removed",
        view(status=HAS_ID),
        seen(cloud(tags={OWNERSHIP_TAG_KEY: UID, "acs:sys": "x"})),
        None,
        "Available",
        "Synced",
    ),
    Case(
        "a new resource group is applied with MoveResourceGroup",
        view(Spec(resource_group_id="rg-2"), status=HAS_ID),
        seen(cloud(resource_group_id="rg-1")),
        d.MoveResourceGroup,
        "Available",
        "Updating",
    ),
    Case(
        "a flow log to adopt whose immutable fields differ is reported, never changed, never recorded",
        view(Spec(adopt_flow_log_id="fl-1")),
        seen(cloud(traffic_type="Drop")),
        None,
        "Available",
        "ImmutableFieldMismatch",
        status={"flowLogId": None},
    ),
    Case(
        "a flow log carrying another object's ownership tag is never adopted",
        view(Spec(adopt_flow_log_id="fl-1")),
        seen(cloud(tags={OWNERSHIP_TAG_KEY: "another-uid"})),
        None,
        "AdoptionRefused",
        "AdoptionRefused",
        status={"failures": 1, "flowLogId": None},
    ),
    Case(
        "a flow log with no ownership tag is adopted: the tag is put on it",
        view(Spec(adopt_flow_log_id="fl-1")),
        seen(cloud(tags={})),
        d.Tag,
        "Available",
        "Updating",
    ),
    Case(
        "adopting an ID the cloud does not know is reported",
        view(Spec(adopt_flow_log_id="fl-404")),
        seen(None),
        None,
        "AdoptionTargetNotFound",
        "AdoptionTargetNotFound",
    ),
    Case(
        "paused objects make no cloud call",
        view(status=HAS_ID, annotations={PAUSED_ANNOTATION: "true"}),
        seen(cloud("Inactive")),
        None,
        "Paused",
        "Paused",
    ),
    Case(
        "deleting with policy Delete deletes the flow log",
        view(status=HAS_ID, deleting=True),
        seen(cloud()),
        d.Delete,
        "Deleting",
        "Deleting",
    ),
    Case(
        "deleting waits while the flow log is still Activating",
        view(status=HAS_ID, deleting=True),
        seen(cloud("Activating")),
        None,
        "Deleting",
        "Deleting",
    ),
    Case(
        "deletion ends when the flow log is gone from DescribeFlowLogs",
        view(status=HAS_ID, deleting=True),
        seen(None),
        None,
        "Deleting",
        "Deleting",
        release=True,
    ),
    Case(
        "policy Retain releases the object and leaves the flow log",
        view(Spec(deletion_policy="Retain"), status=HAS_ID, deleting=True),
        seen(cloud()),
        None,
        "Deleting",
        "Deleting",
        release=True,
    ),
    Case(
        "deleting after a crash before the ID was stored deletes what carries our tag",
        view(status={"pendingCreate": {"token": UID}}, deleting=True),
        seen(owned=[cloud()]),
        d.Delete,
        "Deleting",
        "Deleting",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.why for c in CASES])
def test_decision_table(case: Case) -> None:
    decision = decide(case.view, case.observation, NOW, TIMING)
    assert (type(decision.action) if decision.action else None) is case.action, decision.why
    assert reasons(decision) == {"Ready": case.ready, "Synced": case.synced}
    assert decision.release is case.release
    for key, value in case.status.items():
        assert decision.status.get(key) == value, key


def test_created_flow_log_records_its_id_and_drops_the_pending_mark() -> None:
    v = view(status={"pendingCreate": {"token": UID}})
    decision = conclude_success(v, decide(v, seen(owned=[]), NOW, TIMING), created_id="fl-9")
    assert decision.status["flowLogId"] == "fl-9"
    assert decision.status["pendingCreate"] is None
    assert reasons(decision)["Ready"] == "Activating"
    assert [e.reason for e in decision.events] == ["Created"]


def test_terminal_create_failure_names_the_code_and_backs_off_more_each_time() -> None:
    v = view(status={"pendingCreate": {"token": UID}})
    error = CloudCallError(
        "ProjectOrLogstoreNotExist", "missing", action="CreateFlowLog", kind=FailureKind.TERMINAL
    )
    first = conclude_failure(v, decide(v, seen(owned=[]), NOW, TIMING), error, TIMING)
    assert reasons(first) == {"Ready": "ProjectOrLogstoreNotExist", "Synced": "ProjectOrLogstoreNotExist"}
    assert first.events[0].warning
    again = replace(v, status={**v.status, **first.status})
    second = conclude_failure(again, decide(again, seen(owned=[]), NOW, TIMING), error, TIMING)
    assert first.requeue_after is not None
    assert second.requeue_after is not None
    assert second.requeue_after > first.requeue_after >= TIMING.terminal


def test_create_refused_because_our_own_flow_log_exists_adopts_it() -> None:
    v = view(status={"pendingCreate": {"token": UID}})
    error = CloudCallError("InvalidResourceId.NotFound", "already has", kind=FailureKind.TERMINAL)
    decision = conclude_failure(v, decide(v, seen(owned=[]), NOW, TIMING), error, TIMING, cloud())
    assert decision.status["flowLogId"] == "fl-1"
    assert [e.reason for e in decision.events] == ["Adopted"]


def test_create_refused_because_someone_elses_flow_log_exists_is_terminal() -> None:
    v = view(status={"pendingCreate": {"token": UID}})
    error = CloudCallError("InvalidResourceId.NotFound", "already has", kind=FailureKind.TERMINAL)
    stranger = cloud(flow_log_id="fl-x", tags={})
    decision = conclude_failure(v, decide(v, seen(owned=[]), NOW, TIMING), error, TIMING, stranger)
    assert reasons(decision)["Ready"] == "InvalidResourceId.NotFound"
    assert "fl-x" in decision.conditions[0].message
    assert "flowLogId" not in decision.status


def test_activation_predicts_the_transient_state_only_on_success() -> None:
    v = view(status=SETTLED)
    decision = decide(v, seen(cloud("Inactive")), NOW, TIMING)
    assert conclude_success(v, decision).status["cloudStatus"] == "Activating"
    error = CloudCallError("Throttling.User", "slow down", kind=FailureKind.RETRYABLE)
    failed = conclude_failure(v, decision, error, TIMING)
    assert failed.status["cloudStatus"] == "Inactive"
    assert reasons(failed)["Synced"] == "Throttling.User"


def test_repaired_drift_is_reported_as_drift_and_an_edit_as_an_update() -> None:
    drifted = decide(view(status=SETTLED), seen(cloud("Inactive")), NOW, TIMING)
    edited = decide(view(status=SETTLED, generation=2), seen(cloud("Inactive")), NOW, TIMING)
    assert [e.reason for e in drifted.events] == ["DriftRepaired"]
    assert [e.reason for e in edited.events] == ["Updating"]


def test_a_retryable_create_failure_keeps_ready_at_creating_and_names_the_code_in_synced() -> None:
    v = view(status={"pendingCreate": {"token": UID}})
    error = CloudCallError("Throttling.User", "slow down", action="CreateFlowLog", kind=FailureKind.RETRYABLE)
    decision = conclude_failure(v, decide(v, seen(owned=[]), NOW, TIMING), error, TIMING)
    assert reasons(decision) == {"Ready": "Creating", "Synced": "Throttling.User"}
    assert decision.requeue_after == TIMING.retry
