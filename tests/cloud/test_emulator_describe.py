"""DescribeFlowLogs: paging by 50 at most, and every filter of reference section 1.2, AND-ed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

REGION = "cn-hangzhou"


def describe(caller: RawCaller, **filters: str) -> dict[str, Any]:
    return caller.call("DescribeFlowLogs", {"RegionId": REGION, **filters})


def ids(body: dict[str, Any]) -> list[str]:
    return [f["FlowLogId"] for f in body["FlowLogs"]["FlowLog"]]


@pytest.fixture(scope="module")
def filter_caller() -> Iterator[RawCaller]:
    """One emulator for the read-only filter tests (transitions slow enough to stay Activating)."""
    with EmulatorProcess("--activation-delay", "600") as process:
        caller = RawCaller(process.url)
        yield caller
        caller.close()


@pytest.fixture(scope="module")
def three_flowlogs(filter_caller: RawCaller) -> dict[str, str]:
    """eni (Allow, tagged env=prod), vsw (Drop, audit-store, tagged env=dev), vpc-hz-dev (All, named)."""
    caller = filter_caller
    common = {"RegionId": REGION, "ProjectName": "flowlog-hz", "LogStoreName": "flowlog-store"}
    eni = caller.call(
        "CreateFlowLog",
        {
            **common,
            "ResourceType": "NetworkInterface",
            "ResourceId": "eni-hz-prod-b1",
            "TrafficType": "Allow",
            "Tag.1.Key": "env",
            "Tag.1.Value": "prod",
            "Tag.2.Key": "team",
            "Tag.2.Value": "net",
            "ResourceGroupId": "rg-acfmteam01",
        },
    )["FlowLogId"]
    vsw = caller.call(
        "CreateFlowLog",
        {
            **common,
            "ResourceType": "VSwitch",
            "ResourceId": "vsw-hz-prod-a",
            "TrafficType": "Drop",
            "LogStoreName": "audit-store",
            "Tag.1.Key": "env",
            "Tag.1.Value": "dev",
        },
    )["FlowLogId"]
    vpc = caller.call(
        "CreateFlowLog",
        {
            **common,
            "ResourceType": "VPC",
            "ResourceId": "vpc-hz-dev",
            "TrafficType": "All",
            "FlowLogName": "dev-vpc",
            "Description": "the dev VPC",
        },
    )["FlowLogId"]
    return {"eni": eni, "vsw": vsw, "vpc": vpc}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["eni", "vsw", "vpc"]),
        ({"ResourceType": "VSwitch"}, ["vsw"]),
        ({"ResourceId": "vpc-hz-dev"}, ["vpc"]),
        ({"TrafficType": "Allow"}, ["eni"]),
        ({"ProjectName": "flowlog-hz"}, ["eni", "vsw", "vpc"]),
        ({"ProjectName": "other-project"}, []),
        ({"LogStoreName": "audit-store"}, ["vsw"]),
        ({"FlowLogName": "dev-vpc"}, ["vpc"]),
        ({"Description": "the dev VPC"}, ["vpc"]),
        ({"Status": "Activating"}, ["eni", "vsw", "vpc"]),
        ({"Status": "Active"}, []),
        ({"VpcId": "vpc-hz-prod"}, ["eni", "vsw"]),
        ({"VpcId": "vpc-hz-dev"}, ["vpc"]),
        ({"ResourceGroupId": "rg-acfmteam01"}, ["eni"]),
        ({"Tags.1.Key": "env"}, ["eni", "vsw"]),
        ({"Tags.1.Key": "env", "Tags.1.Value": "dev"}, ["vsw"]),
        ({"Tags.1.Key": "env", "Tags.2.Key": "team"}, ["eni"]),
        ({"Tags.1.Key": "env", "TrafficType": "Drop"}, ["vsw"]),
        ({"VpcId": "vpc-hz-prod", "TrafficType": "All"}, []),
    ],
)
def test_every_filter_selects_exactly_the_matching_flow_logs(
    filter_caller: RawCaller, three_flowlogs: dict[str, str], filters: dict[str, str], expected: list[str]
) -> None:
    body = describe(filter_caller, **filters)
    assert ids(body) == [three_flowlogs[name] for name in expected]
    assert body["TotalCount"] == str(len(expected))


def test_the_flow_log_id_filter_selects_one(filter_caller: RawCaller, three_flowlogs: dict[str, str]) -> None:
    assert ids(describe(filter_caller, FlowLogId=three_flowlogs["vsw"])) == [three_flowlogs["vsw"]]


def test_the_wire_types_are_those_of_the_real_api(
    filter_caller: RawCaller, three_flowlogs: dict[str, str]
) -> None:
    body = describe(filter_caller, FlowLogId=three_flowlogs["eni"])
    assert [type(body[k]) for k in ("Success", "TotalCount", "PageNumber", "PageSize")] == [str] * 4
    [flowlog] = body["FlowLogs"]["FlowLog"]
    assert flowlog["AggregationInterval"] == 10
    assert flowlog["TrafficPath"] == {"TrafficPathList": ["all"]}
    assert flowlog["Tags"] == {"Tag": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "net"}]}
    assert flowlog["CreationTime"].endswith("Z")


def test_paging_walks_every_flow_log_once_in_pages_of_at_most_50(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory("--quota", "200", "--no-rate-limits")
    enis = [f"eni-page-{n:03d}" for n in range(120)]
    emulator.merge_inventory(
        {
            "vpcs": [
                {"id": "vpc-hz-page", "region": REGION, "vswitches": [{"id": "vsw-hz-page", "enis": enis}]}
            ]
        }
    )
    caller = RawCaller(emulator.url)
    created = [
        caller.call(
            "CreateFlowLog",
            {
                "RegionId": REGION,
                "ResourceType": "NetworkInterface",
                "ResourceId": eni,
                "TrafficType": "All",
                "ProjectName": "flowlog-hz",
                "LogStoreName": "flowlog-store",
            },
        )["FlowLogId"]
        for eni in enis
    ]
    seen: list[str] = []
    sizes = []
    page = 1
    while True:
        body = describe(caller, PageSize="50", PageNumber=str(page))
        assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == ("120", str(page), "50")
        sizes.append(len(ids(body)))
        seen += ids(body)
        if len(ids(body)) < 50:
            break
        page += 1
    assert sizes == [50, 50, 20]
    assert seen == created
    assert len(ids(describe(caller))) == 20  # default PageSize
    caller.close()


@pytest.mark.parametrize(
    ("name", "value"), [("PageSize", "51"), ("PageSize", "0"), ("PageNumber", "0"), ("PageSize", "ten")]
)
def test_out_of_range_paging_is_refused_naming_the_parameter(
    caller: RawCaller, name: str, value: str
) -> None:
    response = caller.rpc("DescribeFlowLogs", {"RegionId": REGION, name: value})
    assert (response.status_code, response.json()["Code"]) == (400, "InvalidParameter")
    assert name in response.json()["Message"]
