"""Adopting an existing flow log by ID: taken over without a create; a mismatch is reported, never fixed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, condition, manifest
from support.operator import OperatorProcess
from support.raw_signer import RawCaller


def create_by_hand(cloud: EmulatorProcess, traffic_type: str = "All", owner: str | None = None) -> str:
    params = {
        "RegionId": "cn-hangzhou",
        "ResourceType": "VPC",
        "ResourceId": "vpc-hz-prod",
        "TrafficType": traffic_type,
        "ProjectName": "flowlog-hz",
        "LogStoreName": "flowlog-store",
    }
    if owner is not None:
        params |= {"Tag.1.Key": "flowlog-operator/owner-uid", "Tag.1.Value": owner}
    with RawCaller(cloud.url) as raw:
        answer = raw.call("CreateFlowLog", params)
    flow_log_id = str(answer["FlowLogId"])
    cloud.wait_for_status(flow_log_id, "Active")
    return flow_log_id


@pytest.fixture
def operator(operator_factory: Callable[..., OperatorProcess], namespace: str) -> OperatorProcess:
    return operator_factory(namespaces=(namespace,))


@pytest.mark.usefixtures("operator")
def test_an_existing_flow_log_is_adopted_by_id_without_a_create(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    existing = create_by_hand(cloud)
    flowlogs.apply(manifest("adopter", adoptFlowLogId=existing, description="now managed"))
    obj = flowlogs.wait_active("adopter")
    assert obj["status"]["flowLogId"] == existing
    assert cloud.calls()["CreateFlowLog"] == 1  # the one made by hand
    in_cloud = cloud.flowlog(existing)
    assert in_cloud["Description"] == "now managed"
    tags = {t["Key"]: t["Value"] for t in in_cloud["Tags"]["Tag"]}
    assert tags["flowlog-operator/owner-uid"] == obj["metadata"]["uid"]


@pytest.mark.usefixtures("operator")
def test_adopting_a_flow_log_that_differs_in_an_immutable_field_is_reported_not_changed(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    existing = create_by_hand(cloud, traffic_type="Drop")
    flowlogs.apply(manifest("mismatch", adoptFlowLogId=existing))
    obj = flowlogs.wait(
        "mismatch",
        lambda o: condition(o, "Synced").get("reason") == "ImmutableFieldMismatch",
        "mismatch reported",
    )
    assert "spec.trafficType" in condition(obj, "Synced")["message"]
    assert cloud.flowlog(existing)["TrafficType"] == "Drop"
    assert cloud.calls()["CreateFlowLog"] == 1


WRITES = {"ModifyFlowLogAttribute", "TagResources", "UnTagResources", "DeactiveFlowLog", "DeleteFlowLog"}


@pytest.mark.usefixtures("operator")
def test_a_flow_log_owned_by_another_object_is_refused_never_touched_and_survives_the_deletion(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    foreign = create_by_hand(cloud, owner="uid-of-another-object")
    flowlogs.apply(manifest("taker", adoptFlowLogId=foreign, description="mine now", enabled=False))
    obj = flowlogs.wait(
        "taker", lambda o: condition(o, "Ready").get("reason") == "AdoptionRefused", "adoption refused"
    )
    assert not obj["status"].get("flowLogId")
    assert "another FlowLog object" in condition(obj, "Ready")["message"]

    flowlogs.delete("taker")
    flowlogs.wait_gone("taker")
    assert not WRITES & set(cloud.calls()), cloud.calls()
    in_cloud = cloud.flowlog(foreign)
    assert (in_cloud["Status"], in_cloud["Description"]) == ("Active", "")


@pytest.mark.usefixtures("operator")
def test_deleting_an_object_whose_adoption_found_an_immutable_mismatch_leaves_the_flow_log(
    flowlogs: FlowLogs, cloud: EmulatorProcess
) -> None:
    existing = create_by_hand(cloud, traffic_type="Drop")
    flowlogs.apply(manifest("mismatch-deleted", adoptFlowLogId=existing))
    flowlogs.wait(
        "mismatch-deleted",
        lambda o: condition(o, "Synced").get("reason") == "ImmutableFieldMismatch",
        "mismatch reported",
    )
    flowlogs.delete("mismatch-deleted")
    flowlogs.wait_gone("mismatch-deleted")
    assert "DeleteFlowLog" not in cloud.calls()
    assert cloud.flowlog(existing)["Status"] == "Active"
