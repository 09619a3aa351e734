"""Requests flatten to the SDK's wire parameters; responses read the API's string-typed fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pydantic
import pytest

from flowlog_operator.cloud.models import (
    CreateFlowLogRequest,
    CreateFlowLogResponse,
    DescribeFlowLogsRequest,
    DescribeFlowLogsResponse,
    GetFlowLogServiceStatusResponse,
    ListTagResourcesRequest,
    ListTagResourcesResponse,
    MoveResourceGroupRequest,
    TagResourcesRequest,
    UnTagResourcesRequest,
)
from flowlog_operator.cloud.params import flatten_params

# A DescribeFlowLogs answer shaped as the reference shows it: numbers and booleans as strings.
DESCRIBE_BODY = {
    "RequestId": "0A1B2C3D-AAAA-BBBB-CCCC-DDDDEEEEFFFF",
    "Success": "true",
    "TotalCount": "120",
    "PageNumber": "2",
    "PageSize": "50",
    "FlowLogs": {
        "FlowLog": [
            {
                "FlowLogId": "fl-m5e8vhz2t21sel1nq0001",
                "FlowLogName": "web",
                "Description": "",
                "RegionId": "cn-hangzhou",
                "ResourceType": "VSwitch",
                "ResourceId": "vsw-1",
                "TrafficType": "All",
                "ProjectName": "proj",
                "LogStoreName": "store",
                "Status": "Active",
                "BusinessStatus": "Normal",
                "CreationTime": "2021-01-21T03:08:50Z",
                "AggregationInterval": 10,
                "IpVersion": "IPV4",
                "ResourceGroupId": "rg-1",
                "ServiceType": "",
                "FlowLogDeliverStatus": "SUCCESS",
                "FlowLogDeliverErrorMessage": "",
                "TrafficPath": {"TrafficPathList": ["all", "natGateway"]},
                "Tags": {"Tag": [{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": ""}]},
                "SomethingNew": {"ignored": True},
            },
            {"FlowLogId": "fl-2", "AggregationInterval": "5", "CreationTime": ""},
        ]
    },
}


def test_flatten_lists_objects_and_scalars_like_the_sdk() -> None:
    flat = flatten_params(
        {
            "TrafficPath": ["all", "vbr"],
            "Tag": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}],
            "Nested": {"Sub": 3},
            "Empty": [],
            "Absent": None,
            "Flag": True,
            "Off": False,
        }
    )
    assert flat == {
        "TrafficPath.1": "all",
        "TrafficPath.2": "vbr",
        "Tag.1.Key": "a",
        "Tag.1.Value": "1",
        "Tag.2.Key": "b",
        "Tag.2.Value": "",
        "Nested.Sub": "3",
        "Flag": "true",
        "Off": "false",
    }


def test_flatten_refuses_values_it_cannot_send() -> None:
    with pytest.raises(TypeError):
        flatten_params({"When": datetime.now(UTC)})


def test_create_request_uses_tag_n_and_traffic_path_n() -> None:
    request = CreateFlowLogRequest(
        region_id="cn-hangzhou",
        resource_type="VPC",
        resource_id="vpc-1",
        traffic_type="All",
        project_name="proj",
        log_store_name="store",
        aggregation_interval=5,
        traffic_path=["all"],
        tags={"flowlog.alicloud.io/owner": "uid-1", "env": "dev"},
    )
    assert request.to_params() == {
        "RegionId": "cn-hangzhou",
        "ResourceType": "VPC",
        "ResourceId": "vpc-1",
        "TrafficType": "All",
        "ProjectName": "proj",
        "LogStoreName": "store",
        "AggregationInterval": "5",
        "TrafficPath.1": "all",
        "Tag.1.Key": "flowlog.alicloud.io/owner",
        "Tag.1.Value": "uid-1",
        "Tag.2.Key": "env",
        "Tag.2.Value": "dev",
    }


def test_describe_request_uses_tags_n_with_an_s() -> None:
    params = DescribeFlowLogsRequest(region_id="cn-hangzhou", tags={"k": "v"}, page_size=50).to_params()
    assert params == {"RegionId": "cn-hangzhou", "Tags.1.Key": "k", "Tags.1.Value": "v", "PageSize": "50"}


def test_describe_request_sends_every_filter_by_its_wire_name() -> None:
    request = DescribeFlowLogsRequest(
        region_id="r",
        flow_log_id="fl-1",
        flow_log_name="n",
        description="d",
        resource_type="VPC",
        resource_id="vpc-1",
        traffic_type="All",
        project_name="p",
        log_store_name="l",
        status="Active",
        vpc_id="vpc-1",
        resource_group_id="rg",
        page_number=2,
    )
    assert set(request.to_params()) == {
        "RegionId", "FlowLogId", "FlowLogName", "Description", "ResourceType", "ResourceId", "TrafficType",
        "ProjectName", "LogStoreName", "Status", "VpcId", "ResourceGroupId", "PageNumber",
    }  # fmt: skip


def test_describe_page_size_is_capped_at_fifty() -> None:
    with pytest.raises(pydantic.ValidationError):
        DescribeFlowLogsRequest(region_id="r", page_size=51)


@pytest.mark.parametrize(("remove_all", "wire"), [(True, "true"), (False, "false")])
def test_untag_all_is_sent_as_lowercase_literal(remove_all: bool, wire: str) -> None:
    params = UnTagResourcesRequest(region_id="r", resource_ids=["fl-1"], all=remove_all).to_params()
    assert params["All"] == wire
    assert params["ResourceType"] == "FLOWLOG"
    assert params["ResourceId.1"] == "fl-1"


def test_untag_keys_are_tag_key_n() -> None:
    params = UnTagResourcesRequest(
        region_id="r", resource_ids=["fl-1", "fl-2"], tag_keys=["a", "b"]
    ).to_params()
    assert params == {
        "RegionId": "r",
        "ResourceId.1": "fl-1",
        "ResourceId.2": "fl-2",
        "TagKey.1": "a",
        "TagKey.2": "b",
        "ResourceType": "FLOWLOG",
    }


def test_tag_and_list_tag_requests_use_tag_n_and_resource_type_flowlog() -> None:
    tag = TagResourcesRequest(region_id="r", resource_ids=["fl-1"], tags={"a": "1"}).to_params()
    assert tag == {
        "RegionId": "r",
        "ResourceId.1": "fl-1",
        "Tag.1.Key": "a",
        "Tag.1.Value": "1",
        "ResourceType": "FLOWLOG",
    }
    listing = ListTagResourcesRequest(
        region_id="r", tags={"a": "1"}, next_token="t", max_results=50
    ).to_params()
    assert listing["Tag.1.Key"] == "a"
    assert listing["NextToken"] == "t"
    assert listing["MaxResults"] == "50"


def test_move_resource_group_names_the_flow_log() -> None:
    params = MoveResourceGroupRequest(
        region_id="r", resource_id="fl-1", new_resource_group_id="rg-2"
    ).to_params()
    assert params == {
        "RegionId": "r",
        "ResourceId": "fl-1",
        "NewResourceGroupId": "rg-2",
        "ResourceType": "FlowLog",
    }


def test_describe_response_reads_string_typed_fields() -> None:
    page = DescribeFlowLogsResponse.model_validate(DESCRIBE_BODY)
    assert page.success is True
    assert (page.total_count, page.page_number, page.page_size) == (120, 2, 50)
    first, second = page.flow_logs
    assert first.flow_log_id == "fl-m5e8vhz2t21sel1nq0001"
    assert first.aggregation_interval == 10
    assert first.creation_time == datetime(2021, 1, 21, 3, 8, 50, tzinfo=UTC)
    assert first.traffic_path == ["all", "natGateway"]
    assert first.tags == {"env": "dev", "owner": ""}
    assert first.flow_log_deliver_status == "SUCCESS"
    assert second.aggregation_interval == 5
    assert second.creation_time is None
    assert second.traffic_path == []
    assert second.tags == {}


def test_empty_describe_page_has_no_flow_logs() -> None:
    body = {
        "RequestId": "R",
        "Success": "true",
        "TotalCount": "0",
        "PageNumber": "1",
        "PageSize": "50",
        "FlowLogs": {},
    }
    assert DescribeFlowLogsResponse.model_validate(body).flow_logs == []


@pytest.mark.parametrize(("wire", "expected"), [("true", True), ("false", False), ("True", True)])
def test_success_string_becomes_bool(wire: str, expected: bool) -> None:
    body = {"RequestId": "R", "Success": wire, "FlowLogId": "fl-1"}
    assert CreateFlowLogResponse.model_validate(body).success is expected


def test_service_status_enabled_is_a_real_bool() -> None:
    assert (
        GetFlowLogServiceStatusResponse.model_validate({"RequestId": "R", "Enabled": False}).enabled is False
    )


def test_list_tag_resources_empty_next_token_means_last_page() -> None:
    body = {
        "RequestId": "R",
        "NextToken": "",
        "TagResources": {
            "TagResource": [{"ResourceId": "fl-1", "ResourceType": "FLOWLOG", "TagKey": "k", "TagValue": "v"}]
        },
    }
    page = ListTagResourcesResponse.model_validate(body)
    assert page.next_token is None
    assert page.tag_resources[0].tag_key == "k"


def test_requests_refuse_unknown_fields() -> None:
    with pytest.raises(pydantic.ValidationError):
        DescribeFlowLogsRequest(region_id="r", flowlogid="typo")  # type: ignore[call-arg]
