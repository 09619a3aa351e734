"""Typed requests and responses of the FlowLog operations, with the wire names as aliases.

Requests are built with Python names (``CreateFlowLogRequest(region_id=..., tags={"env": "dev"})``) and
turned into flat RPC parameters by `RpcRequest.to_params`. Values are deliberately not restricted to
the documented enums: the CRD validates user input, and the cloud stays the judge of what it accepts.

Responses are read leniently, as the real API answers: ``Success: "true"`` and ``TotalCount: "120"``
become ``bool`` and ``int``, ``TrafficPath.TrafficPathList`` a list, ``Tags.Tag`` a dict, and fields we do
not model are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator
from pydantic.alias_generators import to_pascal

from flowlog_operator.cloud.params import flatten_params

__all__ = [
    "ActiveFlowLogRequest",
    "CreateFlowLogRequest",
    "CreateFlowLogResponse",
    "DeactiveFlowLogRequest",
    "DeleteFlowLogRequest",
    "DescribeFlowLogsRequest",
    "DescribeFlowLogsResponse",
    "FlowLog",
    "GetFlowLogServiceStatusRequest",
    "GetFlowLogServiceStatusResponse",
    "ListTagResourcesRequest",
    "ListTagResourcesResponse",
    "ModifyFlowLogAttributeRequest",
    "MoveResourceGroupRequest",
    "OpenFlowLogServiceRequest",
    "OpenFlowLogServiceResponse",
    "RequestIdResponse",
    "RpcRequest",
    "RpcResponse",
    "SuccessResponse",
    "TagResource",
    "TagResourcesRequest",
    "UnTagResourcesRequest",
]

FLOWLOG_TAG_RESOURCE_TYPE = "FLOWLOG"


def _tags_to_wire(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


# A tag map in Python, a list of {Key, Value} objects on the wire (then Tag.N.Key / Tag.N.Value).
TagMap = Annotated[dict[str, str], PlainSerializer(_tags_to_wire)]


class RpcRequest(BaseModel):
    """One call of an RPC action; `to_params` gives its flattened wire parameters."""

    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, frozen=True, extra="forbid"
    )

    ACTION: ClassVar[str]
    # CreateFlowLog has no idempotency token: a lost answer must not be retried blindly.
    IDEMPOTENT: ClassVar[bool] = True

    region_id: str = Field(min_length=1)

    def to_params(self) -> dict[str, str]:
        return flatten_params(self.model_dump(by_alias=True, exclude_none=True))


class CreateFlowLogRequest(RpcRequest):
    ACTION: ClassVar[str] = "CreateFlowLog"
    IDEMPOTENT: ClassVar[bool] = False

    resource_type: str
    resource_id: str
    traffic_type: str
    project_name: str | None = None
    log_store_name: str | None = None
    flow_log_name: str | None = None
    description: str | None = None
    aggregation_interval: int | None = None
    traffic_path: list[str] = Field(default_factory=list)
    resource_group_id: str | None = None
    tags: TagMap = Field(default_factory=dict, alias="Tag")
    ip_version: str | None = None
    log_format: str | None = None
    # Deliver to a NIS traffic analyzer instead of (or besides) SLS; named in the CreateFlowLog errors.
    traffic_analyzer_id: str | None = None


class DescribeFlowLogsRequest(RpcRequest):
    ACTION: ClassVar[str] = "DescribeFlowLogs"

    flow_log_id: str | None = None
    flow_log_name: str | None = None
    description: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    traffic_type: str | None = None
    project_name: str | None = None
    log_store_name: str | None = None
    status: str | None = None
    vpc_id: str | None = None
    resource_group_id: str | None = None
    # Spelled Tags.N here, unlike Tag.N everywhere else.
    tags: TagMap = Field(default_factory=dict, alias="Tags")
    page_number: int | None = Field(default=None, ge=1)
    page_size: int | None = Field(default=None, ge=1, le=50)


class ModifyFlowLogAttributeRequest(RpcRequest):
    ACTION: ClassVar[str] = "ModifyFlowLogAttribute"

    flow_log_id: str
    flow_log_name: str | None = None
    description: str | None = None
    aggregation_interval: int | None = None
    ip_version: str | None = None
    log_format: str | None = None


class ActiveFlowLogRequest(RpcRequest):
    ACTION: ClassVar[str] = "ActiveFlowLog"

    flow_log_id: str


class DeactiveFlowLogRequest(RpcRequest):
    ACTION: ClassVar[str] = "DeactiveFlowLog"

    flow_log_id: str


class DeleteFlowLogRequest(RpcRequest):
    ACTION: ClassVar[str] = "DeleteFlowLog"

    flow_log_id: str


class GetFlowLogServiceStatusRequest(RpcRequest):
    ACTION: ClassVar[str] = "GetFlowLogServiceStatus"

    client_token: str | None = None


class OpenFlowLogServiceRequest(RpcRequest):
    ACTION: ClassVar[str] = "OpenFlowLogService"

    client_token: str | None = None


class TagResourcesRequest(RpcRequest):
    ACTION: ClassVar[str] = "TagResources"

    resource_ids: list[str] = Field(min_length=1, max_length=50, alias="ResourceId")
    tags: TagMap = Field(alias="Tag")
    resource_type: str = FLOWLOG_TAG_RESOURCE_TYPE


class UnTagResourcesRequest(RpcRequest):
    ACTION: ClassVar[str] = "UnTagResources"

    resource_ids: list[str] = Field(min_length=1, max_length=50, alias="ResourceId")
    tag_keys: list[str] = Field(default_factory=list, max_length=20, alias="TagKey")
    # Sent as the literal true/false.
    all: bool | None = None
    resource_type: str = FLOWLOG_TAG_RESOURCE_TYPE


class ListTagResourcesRequest(RpcRequest):
    ACTION: ClassVar[str] = "ListTagResources"

    resource_ids: list[str] = Field(default_factory=list, max_length=50, alias="ResourceId")
    tags: TagMap = Field(default_factory=dict, alias="Tag")
    max_results: int | None = Field(default=None, ge=1, le=50)
    next_token: str | None = None
    resource_type: str = FLOWLOG_TAG_RESOURCE_TYPE


class MoveResourceGroupRequest(RpcRequest):
    ACTION: ClassVar[str] = "MoveResourceGroup"

    resource_id: str
    new_resource_group_id: str
    resource_type: str = "FlowLog"


# --- responses -------------------------------------------------------------------------------------


class RpcResponse(BaseModel):
    """Every answer carries a RequestId; unknown fields are ignored."""

    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, frozen=True, extra="ignore"
    )

    request_id: str = ""


class RequestIdResponse(RpcResponse):
    """TagResources, UnTagResources, MoveResourceGroup."""


class SuccessResponse(RpcResponse):
    """ModifyFlowLogAttribute, ActiveFlowLog, DeactiveFlowLog, DeleteFlowLog: ``Success`` is a string."""

    success: bool = True


class CreateFlowLogResponse(SuccessResponse):
    flow_log_id: str
    resource_group_id: str | None = None


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


def _unwrap_list(value: Any, key: str) -> Any:
    """The wire wraps lists in an object (``{"FlowLog": [...]}``); absent means empty."""
    if isinstance(value, dict):
        value = value.get(key)
    return [] if value is None else value


class FlowLog(BaseModel):
    """A flow log as DescribeFlowLogs reports it."""

    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, frozen=True, extra="ignore"
    )

    flow_log_id: str
    flow_log_name: str | None = None
    description: str | None = None
    region_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    traffic_type: str | None = None
    project_name: str | None = None
    log_store_name: str | None = None
    status: str | None = None
    business_status: str | None = None
    creation_time: datetime | None = None
    aggregation_interval: int | None = None
    ip_version: str | None = None
    log_format: str | None = None
    resource_group_id: str | None = None
    service_type: str | None = None
    flow_log_deliver_status: str | None = None
    flow_log_deliver_error_message: str | None = None
    traffic_path: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("creation_time", "aggregation_interval", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return _empty_to_none(value)

    @field_validator("traffic_path", mode="before")
    @classmethod
    def _unwrap_traffic_path(cls, value: Any) -> Any:
        return _unwrap_list(value, "TrafficPathList")

    @field_validator("tags", mode="before")
    @classmethod
    def _unwrap_tags(cls, value: Any) -> Any:
        if isinstance(value, dict) and "Tag" in value:
            value = value["Tag"]
        if value is None:
            return {}
        if isinstance(value, list):
            return {
                str(tag.get("Key")): str(tag.get("Value") or "") for tag in value if isinstance(tag, dict)
            }
        return value


class DescribeFlowLogsResponse(RpcResponse):
    success: bool = True
    total_count: int = 0
    page_number: int = 1
    page_size: int = 20
    flow_logs: list[FlowLog] = Field(default_factory=list)

    @field_validator("flow_logs", mode="before")
    @classmethod
    def _unwrap_flow_logs(cls, value: Any) -> Any:
        return _unwrap_list(value, "FlowLog")


class GetFlowLogServiceStatusResponse(RpcResponse):
    enabled: bool


class OpenFlowLogServiceResponse(RpcResponse):
    code: str | None = None
    message: str | None = None
    # True when the service was open already (OperationFailed.ExceedPurchaseLimit).
    already_open: bool = False


class TagResource(BaseModel):
    """One (resource, tag) pair of ListTagResources."""

    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, frozen=True, extra="ignore"
    )

    resource_id: str
    resource_type: str | None = None
    tag_key: str
    tag_value: str = ""


class ListTagResourcesResponse(RpcResponse):
    next_token: str | None = None
    tag_resources: list[TagResource] = Field(default_factory=list)

    @field_validator("tag_resources", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return _unwrap_list(value, "TagResource")

    @field_validator("next_token", mode="before")
    @classmethod
    def _blank_token_is_last_page(cls, value: Any) -> Any:
        return _empty_to_none(value)
