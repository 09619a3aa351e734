"""Drift in the cloud is repaired and reported; pause stops all cloud calls; reconcile-now works.

The periodic resync is shortened to five seconds here; the reconcile-now annotation is tested with
the default ten minutes, so only the annotation can explain the repair.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, condition, manifest
from support.operator import OperatorProcess

RECONCILE_NOW = "vpc.alicloud.io/reconcile-requested-at"


def warnings_of(flowlogs: FlowLogs, name: str) -> list[str]:
    return flowlogs.cluster.kubectl(
        "get",
        "events",
        "-n",
        flowlogs.namespace,
        "--field-selector",
        f"involvedObject.name={name},type=Warning",
        "-o",
        "jsonpath={.items[*].reason}",
    ).stdout.split()


@pytest.fixture
def fast_resync(operator_factory: Callable[..., OperatorProcess], namespace: str) -> OperatorProcess:
    return operator_factory(namespaces=(namespace,), env={"FLOWLOG_RESYNC_SECONDS": "5"})


def tags_of(flow_log: dict[str, object]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in flow_log["Tags"]["Tag"]}  # type: ignore[index]


DRIFTS: list[tuple[str, dict[str, object], Callable[[dict[str, object]], bool], str]] = [
    ("deactivated", {"Status": "Inactive"}, lambda fl: fl["Status"] == "Active", "DriftRepaired"),
    (
        "description",
        {"Description": "changed by hand"},
        lambda fl: fl["Description"] == "kept",
        "DriftRepaired",
    ),
    ("tags", {"Tags": {"extra": "x"}}, lambda fl: "extra" not in tags_of(fl), "DriftRepaired"),
]


@pytest.mark.usefixtures("fast_resync")
@pytest.mark.parametrize(("kind", "change", "repaired", "reason"), DRIFTS, ids=[d[0] for d in DRIFTS])
def test_drift_is_put_back_by_the_resync_and_reported(
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    kind: str,
    change: dict[str, object],
    repaired: Callable[[dict[str, object]], bool],
    reason: str,
) -> None:
    flowlogs.apply(manifest("drifty", description="kept"))
    flow_log_id = flowlogs.wait_active("drifty")["status"]["flowLogId"]
    cloud.edit_flowlog(flow_log_id, change)
    flowlogs.wait("drifty", lambda _: repaired(cloud.flowlog(flow_log_id)), f"{kind} repaired", timeout=60)
    flowlogs.wait_active("drifty")
    assert reason in warnings_of(flowlogs, "drifty")


@pytest.mark.usefixtures("fast_resync")
def test_a_flow_log_deleted_out_of_band_is_recreated_and_reported(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    flowlogs.apply(manifest("phoenix"))
    old_id = flowlogs.wait_active("phoenix")["status"]["flowLogId"]
    cloud.delete_flowlog(old_id)
    obj = flowlogs.wait(
        "phoenix",
        lambda o: (
            o["status"].get("flowLogId") not in {None, old_id} and o["status"].get("cloudStatus") == "Active"
        ),
        "a new flow log",
        timeout=60,
    )
    assert [fl["FlowLogId"] for fl in cloud.flowlogs()] == [obj["status"]["flowLogId"]]
    assert "FlowLogDeletedOutOfBand" in warnings_of(flowlogs, "phoenix")


def test_reconcile_now_annotation_repairs_at_once_and_is_acknowledged(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    operator_factory(namespaces=(namespace,))  # resync 10 minutes: only the annotation can act
    flowlogs.apply(manifest("now", description="kept"))
    flow_log_id = flowlogs.wait_active("now")["status"]["flowLogId"]
    cloud.edit_flowlog(flow_log_id, {"Description": "changed by hand"})
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    flowlogs.annotate("now", f"{RECONCILE_NOW}={stamp}")
    flowlogs.wait("now", lambda o: o["status"].get("lastHandledReconcileAt") == stamp, "request handled")
    flowlogs.wait("now", lambda _: cloud.flowlog(flow_log_id)["Description"] == "kept", "repaired")


def test_paused_objects_make_no_cloud_call_until_unpaused(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    operator_factory(namespaces=(namespace,))
    flowlogs.apply(manifest("sleepy", description="before"))
    flow_log_id = flowlogs.wait_active("sleepy")["status"]["flowLogId"]
    flowlogs.annotate("sleepy", "vpc.alicloud.io/paused=true")
    flowlogs.wait("sleepy", lambda o: condition(o, "Synced").get("reason") == "Paused", "Synced=False Paused")
    calls = cloud.calls()
    flowlogs.patch("sleepy", {"spec": {"description": "while paused"}})
    flowlogs.annotate("sleepy", f"{RECONCILE_NOW}=paused-pass")
    flowlogs.wait(
        "sleepy", lambda o: o["status"].get("lastHandledReconcileAt") == "paused-pass", "paused pass"
    )
    assert cloud.calls() == calls
    assert cloud.flowlog(flow_log_id)["Description"] == "before"
    flowlogs.annotate("sleepy", "vpc.alicloud.io/paused-")
    flowlogs.wait_active("sleepy")
    assert cloud.flowlog(flow_log_id)["Description"] == "while paused"


def test_deleting_a_paused_object_keeps_the_flow_log_until_unpaused(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    operator_factory(namespaces=(namespace,))
    flowlogs.apply(manifest("held"))
    flow_log_id = flowlogs.wait_active("held")["status"]["flowLogId"]
    flowlogs.annotate("held", "vpc.alicloud.io/paused=true")
    flowlogs.wait("held", lambda o: condition(o, "Synced").get("reason") == "Paused", "Synced=False Paused")
    flowlogs.delete("held")
    flowlogs.wait(
        "held", lambda o: "deletion waits" in condition(o, "Synced").get("message", ""), "deletion held"
    )
    assert cloud.flowlog(flow_log_id)["Status"] == "Active"
    assert cloud.calls().get("DeleteFlowLog") is None
    flowlogs.annotate("held", "vpc.alicloud.io/paused-")
    flowlogs.wait_gone("held")
    assert cloud.flowlogs() == []
