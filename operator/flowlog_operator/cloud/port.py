"""The cloud as the engine sees it: :class:`CloudPort` implements ``core.ports.FlowLogCloud``.

It maps domain requests onto the wire models, wire records onto ``core.CloudFlowLog``, and every
``CloudError`` onto ``core.CloudCallError`` (keeping code, message, RequestId and kind), and it
counts each call in the Prometheus metrics.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from flowlog_operator import metrics
from flowlog_operator.cloud.client import FlowLogClient
from flowlog_operator.cloud.credentials import credentials_from_environment
from flowlog_operator.cloud.errors import AmbiguousResultError, CloudError
from flowlog_operator.cloud.models import (
    ActiveFlowLogRequest,
    CreateFlowLogRequest,
    DeactiveFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    FlowLog,
    ModifyFlowLogAttributeRequest,
    MoveResourceGroupRequest,
    TagResourcesRequest,
    UnTagResourcesRequest,
)
from flowlog_operator.cloud.settings import CloudSettings
from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import CloudCallError, CreateRequest

T = TypeVar("T")

_MODIFY_FIELDS = {
    "FlowLogName": "flow_log_name",
    "Description": "description",
    "AggregationInterval": "aggregation_interval",
    "IpVersion": "ip_version",
}


def to_cloud_flow_log(record: FlowLog, region_id: str) -> CloudFlowLog:
    return CloudFlowLog(
        flow_log_id=record.flow_log_id,
        region_id=record.region_id or region_id,
        status=record.status or "",
        resource_type=record.resource_type or "",
        resource_id=record.resource_id or "",
        traffic_type=record.traffic_type or "",
        project_name=record.project_name or "",
        log_store_name=record.log_store_name or "",
        flow_log_name=record.flow_log_name or "",
        description=record.description or "",
        aggregation_interval=record.aggregation_interval,
        ip_version=record.ip_version or "",
        traffic_path=tuple(record.traffic_path),
        tags=dict(record.tags),
        resource_group_id=record.resource_group_id or "",
        business_status=record.business_status or "",
        creation_time=record.creation_time.strftime("%Y-%m-%dT%H:%M:%SZ") if record.creation_time else "",
        deliver_status=record.flow_log_deliver_status or "",
        deliver_error=record.flow_log_deliver_error_message or "",
    )


class CloudPort:
    """``FlowLogCloud`` over a :class:`FlowLogClient`."""

    def __init__(self, client: FlowLogClient) -> None:
        self._client = client

    @classmethod
    async def connect(cls, settings: CloudSettings, *, fence: Callable[[], None] | None = None) -> CloudPort:
        """A port over a new client; ``fence`` is asked right before every request (see FlowLogClient)."""
        return cls(FlowLogClient(credentials_from_environment(), settings, fence=fence))

    @property
    def endpoint(self) -> str:
        return str(
            self._client.settings.vpc_endpoint or f"(resolved per region, {self._client.settings.region})"
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def describe(
        self,
        region_id: str,
        *,
        flow_log_id: str | None = None,
        resource_id: str | None = None,
        tag: tuple[str, str] | None = None,
        status: str | None = None,
    ) -> list[CloudFlowLog]:
        request = DescribeFlowLogsRequest(
            region_id=region_id,
            flow_log_id=flow_log_id,
            resource_id=resource_id,
            status=status,
            tags=dict([tag]) if tag else {},
            page_size=50,
        )
        records = await self._call("DescribeFlowLogs", lambda: self._client.list_flow_logs(request))
        return [to_cloud_flow_log(record, region_id) for record in records]

    async def list_region(self, region_id: str, status: str | None = None) -> list[CloudFlowLog]:
        return await self.describe(region_id, status=status)

    async def create(self, request: CreateRequest) -> str:
        wire = CreateFlowLogRequest(
            region_id=request.region_id,
            resource_type=request.resource_type,
            resource_id=request.resource_id,
            traffic_type=request.traffic_type,
            project_name=request.project_name,
            log_store_name=request.log_store_name,
            flow_log_name=request.flow_log_name,
            description=request.description,
            aggregation_interval=request.aggregation_interval,
            traffic_path=list(request.traffic_path),
            resource_group_id=request.resource_group_id,
            tags=dict(request.tags),
            ip_version=request.ip_version,
        )
        response = await self._call("CreateFlowLog", lambda: self._client.create_flow_log(wire))
        return response.flow_log_id

    async def modify(self, region_id: str, flow_log_id: str, changes: Mapping[str, str | int]) -> None:
        fields = {_MODIFY_FIELDS[name]: value for name, value in changes.items()}
        request = ModifyFlowLogAttributeRequest(region_id=region_id, flow_log_id=flow_log_id, **fields)
        await self._call("ModifyFlowLogAttribute", lambda: self._client.modify_flow_log_attribute(request))

    async def activate(self, region_id: str, flow_log_id: str) -> None:
        request = ActiveFlowLogRequest(region_id=region_id, flow_log_id=flow_log_id)
        await self._call("ActiveFlowLog", lambda: self._client.active_flow_log(request))

    async def deactivate(self, region_id: str, flow_log_id: str) -> None:
        request = DeactiveFlowLogRequest(region_id=region_id, flow_log_id=flow_log_id)
        await self._call("DeactiveFlowLog", lambda: self._client.deactive_flow_log(request))

    async def delete(self, region_id: str, flow_log_id: str) -> None:
        request = DeleteFlowLogRequest(region_id=region_id, flow_log_id=flow_log_id)
        await self._call("DeleteFlowLog", lambda: self._client.delete_flow_log(request))

    async def tag(self, region_id: str, flow_log_id: str, tags: Mapping[str, str]) -> None:
        request = TagResourcesRequest(region_id=region_id, resource_ids=[flow_log_id], tags=dict(tags))
        await self._call("TagResources", lambda: self._client.tag_resources(request))

    async def untag(self, region_id: str, flow_log_id: str, keys: Sequence[str]) -> None:
        request = UnTagResourcesRequest(region_id=region_id, resource_ids=[flow_log_id], tag_keys=list(keys))
        await self._call("UnTagResources", lambda: self._client.untag_resources(request))

    async def move_resource_group(self, region_id: str, flow_log_id: str, resource_group_id: str) -> None:
        request = MoveResourceGroupRequest(
            region_id=region_id, resource_id=flow_log_id, new_resource_group_id=resource_group_id
        )
        await self._call("MoveResourceGroup", lambda: self._client.move_resource_group(request))

    async def _call(self, action: str, call: Callable[[], Awaitable[T]]) -> T:
        started = time.perf_counter()
        try:
            result = await call()
        except CloudError as error:
            metrics.CLOUD_CALLS.labels(action=action, code=error.code or type(error).__name__).inc()
            raise CloudCallError(
                error.code or type(error).__name__,
                error.message,
                request_id=error.request_id or "",
                action=action,
                kind=error.kind,
                ambiguous=isinstance(error, AmbiguousResultError),
            ) from error
        finally:
            metrics.CLOUD_CALL_SECONDS.labels(action=action).observe(time.perf_counter() - started)
        metrics.CLOUD_CALLS.labels(action=action, code="OK").inc()
        return result
