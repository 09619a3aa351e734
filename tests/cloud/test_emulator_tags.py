"""Tags on flow logs (TagResources, UnTagResources, ListTagResources with NextToken) and MoveResourceGroup."""

from __future__ import annotations

from typing import Any

from support.raw_signer import RawCaller

REGION = "cn-hangzhou"


def create(caller: RawCaller, resource_id: str, **tags: str) -> str:
    params = {
        "RegionId": REGION,
        "ResourceType": "NetworkInterface",
        "ResourceId": resource_id,
        "TrafficType": "All",
        "ProjectName": "flowlog-hz",
        "LogStoreName": "flowlog-store",
    }
    for n, (key, value) in enumerate(tags.items(), start=1):
        params[f"Tag.{n}.Key"], params[f"Tag.{n}.Value"] = key, value
    flow_log_id: str = caller.call("CreateFlowLog", params)["FlowLogId"]
    return flow_log_id


def tags_of(caller: RawCaller, flow_log_id: str) -> dict[str, str]:
    [flowlog] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    return {t["Key"]: t["Value"] for t in flowlog["Tags"]["Tag"]}


def list_all(caller: RawCaller, params: dict[str, str], max_results: int) -> tuple[list[dict[str, Any]], int]:
    """Every TagResource across pages, and the number of pages."""
    entries: list[dict[str, Any]] = []
    token, pages = "", 0
    while True:
        page_params = {**params, "MaxResults": str(max_results), **({"NextToken": token} if token else {})}
        body = caller.call("ListTagResources", {"RegionId": REGION, "ResourceType": "FLOWLOG", **page_params})
        entries += body["TagResources"]["TagResource"]
        pages += 1
        token = body["NextToken"]
        if not token:
            return entries, pages


def test_tag_untag_and_list_round_trip(caller: RawCaller) -> None:
    first = create(caller, "eni-hz-prod-a1", env="dev")
    second = create(caller, "eni-hz-prod-a2")
    caller.call(
        "TagResources",
        {
            "RegionId": REGION,
            "ResourceType": "flowlog",
            "ResourceId.1": first,
            "ResourceId.2": second,
            "Tag.1.Key": "team",
            "Tag.1.Value": "net",
            "Tag.2.Key": "cost",
            "Tag.2.Value": "",
        },
    )
    assert tags_of(caller, first) == {"env": "dev", "team": "net", "cost": ""}
    assert tags_of(caller, second) == {"team": "net", "cost": ""}
    caller.call(
        "UnTagResources",
        {"RegionId": REGION, "ResourceType": "FlowLog", "ResourceId.1": first, "TagKey.1": "team"},
    )
    assert tags_of(caller, first) == {"env": "dev", "cost": ""}
    caller.call(
        "UnTagResources",
        {"RegionId": REGION, "ResourceType": "FLOWLOG", "ResourceId.1": second, "All": "true"},
    )
    assert tags_of(caller, second) == {}


def test_list_tag_resources_pages_with_next_token(caller: RawCaller) -> None:
    first = create(caller, "eni-hz-prod-a1", a="1", b="2", c="3")
    second = create(caller, "eni-hz-prod-a2", d="4", e="5")
    entries, pages = list_all(caller, {"ResourceId.1": first, "ResourceId.2": second}, max_results=2)
    assert pages == 3
    assert [(e["ResourceId"], e["TagKey"], e["TagValue"]) for e in entries] == [
        (first, "a", "1"),
        (first, "b", "2"),
        (first, "c", "3"),
        (second, "d", "4"),
        (second, "e", "5"),
    ]
    assert {e["ResourceType"] for e in entries} == {"FLOWLOG"}


def test_list_tag_resources_by_tag_finds_the_tagged_flow_logs(caller: RawCaller) -> None:
    tagged = create(caller, "eni-hz-prod-a1", owner="uid-1")
    create(caller, "eni-hz-prod-a2", owner="uid-2")
    entries, _ = list_all(caller, {"Tag.1.Key": "owner", "Tag.1.Value": "uid-1"}, max_results=50)
    assert [(e["ResourceId"], e["TagKey"]) for e in entries] == [(tagged, "owner")]


def test_tag_rules_are_enforced_naming_the_parameter(caller: RawCaller) -> None:
    flow_log_id = create(caller, "eni-hz-prod-a1")
    base = {"RegionId": REGION, "ResourceType": "FLOWLOG", "ResourceId.1": flow_log_id}
    for key in ("acs:thing", "aliyun-x", "has http://inside", "k" * 129):
        response = caller.rpc("TagResources", {**base, "Tag.1.Key": key, "Tag.1.Value": "v"})
        assert response.status_code == 400
        assert "Tag.1.Key" in response.json()["Message"], key
    too_many = {f"Tag.{n}.Key": f"k{n}" for n in range(1, 22)}
    response = caller.rpc("TagResources", {**base, **too_many})
    assert (response.status_code, "Tag.N" in response.json()["Message"]) == (400, True)
    wrong_type = caller.rpc("TagResources", {**base, "ResourceType": "VPC", "Tag.1.Key": "k"})
    assert wrong_type.json()["Code"] == "InvalidResourceType"
    unknown = caller.rpc("TagResources", {**base, "ResourceId.1": "fl-nope", "Tag.1.Key": "k"})
    assert unknown.json()["Code"] == "InvalidFlowLogId.NotFound"


def test_move_resource_group_changes_the_group(caller: RawCaller) -> None:
    flow_log_id = create(caller, "eni-hz-prod-a1")
    caller.call(
        "MoveResourceGroup",
        {
            "RegionId": REGION,
            "ResourceType": "FlowLog",
            "ResourceId": flow_log_id,
            "NewResourceGroupId": "rg-acfmnew01",
        },
    )
    [flowlog] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    assert flowlog["ResourceGroupId"] == "rg-acfmnew01"
    bad = caller.rpc(
        "MoveResourceGroup",
        {
            "RegionId": REGION,
            "ResourceType": "FLOWLOG",
            "ResourceId": flow_log_id,
            "NewResourceGroupId": "group!",
        },
    )
    assert bad.json()["Code"] == "IllegalParam.ResourceGroupId"
    assert "NewResourceGroupId" in bad.json()["Message"]
