"""A FlowLog's life: apply, Active, edits of every mutable field, enable/disable, delete and retain.

Real kube-apiserver and etcd, real kubectl, the emulator over HTTP and the operator as its own
process. Every wait is a condition with a deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import SAMPLES, FlowLogs, condition, manifest
from support.operator import OperatorProcess


@pytest.fixture
def operator(operator_factory: Callable[..., OperatorProcess], namespace: str) -> OperatorProcess:
    return operator_factory(namespaces=(namespace,))


@pytest.mark.usefixtures("operator")
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.yaml")))
def test_each_sample_reaches_active_with_a_flow_log_id(
    flowlogs: FlowLogs, cloud: EmulatorProcess, sample: str
) -> None:
    flowlogs.apply_file(SAMPLES / sample)
    name = (
        flowlogs.cluster.kubectl("get", "-f", str(SAMPLES / sample), "-n", flowlogs.namespace, "-o", "name")
        .stdout.strip()
        .split("/")[-1]
    )
    obj = flowlogs.wait_active(name)
    flow_log_id = obj["status"]["flowLogId"]
    in_cloud = cloud.flowlog(flow_log_id)
    assert in_cloud["Status"] == "Active"
    assert in_cloud["ResourceId"] == obj["spec"]["resourceId"]
    assert {t["Key"]: t["Value"] for t in in_cloud["Tags"]["Tag"]}["flowlog-operator/owner-uid"] == obj[
        "metadata"
    ]["uid"]
    table = flowlogs.cluster.kubectl("get", "fl", "-n", flowlogs.namespace).stdout
    header, row = table.splitlines()[0], table.splitlines()[1]
    for column in ("NAME", "ID", "STATUS", "READY", "RESOURCE", "AGE"):
        assert column in header, header
    assert flow_log_id in row
    assert "Active" in row


@pytest.mark.usefixtures("operator")
def test_status_tells_the_whole_story_and_creates_exactly_one_flow_log(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    flowlogs.apply(manifest("story"))
    obj = flowlogs.wait_active("story")
    status = obj["status"]
    assert status["observedGeneration"] == obj["metadata"]["generation"]
    assert condition(obj, "Ready")["reason"] == "Available"
    assert "pendingCreate" not in status
    assert cloud.calls().get("CreateFlowLog") == 1
    events = flowlogs.cluster.kubectl(
        "get",
        "events",
        "-n",
        flowlogs.namespace,
        "--field-selector",
        "involvedObject.name=story",
        "-o",
        "json",
    ).stdout
    assert '"reason": "Created"' in events


MUTABLE_EDITS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ("description", {"description": "edited"}, lambda fl: fl["Description"] == "edited"),
    ("flowLogName", {"flowLogName": "renamed"}, lambda fl: fl["FlowLogName"] == "renamed"),
    ("aggregationInterval", {"aggregationInterval": 1}, lambda fl: fl["AggregationInterval"] == 1),
    ("ipVersion", {"ipVersion": "DualStack"}, lambda fl: fl["IpVersion"] == "DualStack"),
    ("enabled false", {"enabled": False}, lambda fl: fl["Status"] == "Inactive"),
    ("resourceGroupId", {"resourceGroupId": "rg-acfmxyz"}, lambda fl: fl["ResourceGroupId"] == "rg-acfmxyz"),
    (
        "tags",
        {"tags": {"team": "net", "cost": "7"}},
        lambda fl: {t["Key"]: t["Value"] for t in fl["Tags"]["Tag"]}.get("cost") == "7",
    ),
]


@pytest.mark.usefixtures("operator")
@pytest.mark.parametrize(("field", "change", "arrived"), MUTABLE_EDITS, ids=[e[0] for e in MUTABLE_EDITS])
def test_every_mutable_field_edit_reaches_the_cloud(
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    field: str,
    change: dict[str, Any],
    arrived: Callable[[dict[str, Any]], bool],
) -> None:
    flowlogs.apply(manifest("edit", tags={"team": "net"}))
    flow_log_id = flowlogs.wait_active("edit")["status"]["flowLogId"]
    flowlogs.patch("edit", {"spec": change})
    flowlogs.wait(
        "edit",
        lambda o: (
            o["status"].get("observedGeneration") == o["metadata"]["generation"]
            and condition(o, "Synced").get("status") == "True"
        ),
        f"{field} applied",
    )
    assert arrived(cloud.flowlog(flow_log_id)), cloud.flowlog(flow_log_id)


@pytest.mark.usefixtures("operator")
def test_disable_then_enable_goes_inactive_then_active(flowlogs: FlowLogs, cloud: EmulatorProcess) -> None:
    flowlogs.apply(manifest("toggle"))
    flow_log_id = flowlogs.wait_active("toggle")["status"]["flowLogId"]
    flowlogs.patch("toggle", {"spec": {"enabled": False}})
    obj = flowlogs.wait(
        "toggle",
        lambda o: (
            o["status"].get("cloudStatus") == "Inactive" and condition(o, "Ready").get("status") == "True"
        ),
        "Inactive",
    )
    assert condition(obj, "Ready")["reason"] == "Inactive"
    flowlogs.patch("toggle", {"spec": {"enabled": True}})
    flowlogs.wait_active("toggle")
    assert cloud.flowlog(flow_log_id)["Status"] == "Active"
    assert cloud.calls().get("DeactiveFlowLog") == 1
    assert cloud.calls().get("ActiveFlowLog") == 1


@pytest.mark.usefixtures("operator")
def test_delete_removes_the_flow_log_and_the_finalizer(flowlogs: FlowLogs, cloud: EmulatorProcess) -> None:
    flowlogs.apply(manifest("gone"))
    flow_log_id = flowlogs.wait_active("gone")["status"]["flowLogId"]
    assert flowlogs.get("gone")["metadata"]["finalizers"] == ["vpc.alicloud.io/finalizer"]
    flowlogs.delete("gone")
    flowlogs.wait_gone("gone")
    assert all(fl["FlowLogId"] != flow_log_id for fl in cloud.flowlogs())


@pytest.mark.usefixtures("operator")
def test_retain_leaves_the_flow_log_in_the_cloud(flowlogs: FlowLogs, cloud: EmulatorProcess) -> None:
    flowlogs.apply(manifest("kept", deletionPolicy="Retain"))
    flow_log_id = flowlogs.wait_active("kept")["status"]["flowLogId"]
    flowlogs.delete("kept")
    flowlogs.wait_gone("kept")
    assert cloud.flowlog(flow_log_id)["Status"] == "Active"
    assert cloud.calls().get("DeleteFlowLog") is None


@pytest.mark.usefixtures("operator")
def test_deleting_while_activating_waits_and_deletes(flowlogs: FlowLogs, cloud: EmulatorProcess) -> None:
    flowlogs.apply(manifest("hasty"))
    flowlogs.wait("hasty", lambda o: o.get("status", {}).get("cloudStatus") == "Activating", "Activating")
    flowlogs.delete("hasty")
    flowlogs.wait_gone("hasty")
    assert cloud.flowlogs() == []
