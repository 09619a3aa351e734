"""The flow log life cycle: DescribeFlowLogs, ModifyFlowLogAttribute, Active/Deactive, DeleteFlowLog."""

from __future__ import annotations

from typing import Any

from flowlog_operator.emulator import validation
from flowlog_operator.emulator.actions.base import (
    ActionContext,
    find_flowlog,
    refuse_transient,
    require_region,
)
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.state import (
    ACTIVATING,
    ACTIVE,
    DEACTIVATING,
    DELETING,
    GONE,
    INACTIVE,
    EmulatorState,
    FlowLog,
)
from flowlog_operator.emulator.wire import iso8601


def describe_flowlog(flowlog: FlowLog, state: EmulatorState) -> dict[str, Any]:
    """One flow log exactly as DescribeFlowLogs shows it (reference section 1.2)."""
    deliver_status, deliver_error = "SUCCESS", ""
    if flowlog.project_name:
        project = state.inventory.sls_project(flowlog.region_id, flowlog.project_name)
        if project is None:
            deliver_status, deliver_error = "FAILED", "ProjectNotExist"
        elif flowlog.log_store_name not in project.logstores:
            deliver_status, deliver_error = "FAILED", "UnavaliableTarget"
    return {
        "FlowLogId": flowlog.flow_log_id,
        "FlowLogName": flowlog.flow_log_name,
        "Description": flowlog.description,
        "RegionId": flowlog.region_id,
        "ResourceType": flowlog.resource_type,
        "ResourceId": flowlog.resource_id,
        "TrafficType": flowlog.traffic_type,
        "ProjectName": flowlog.project_name,
        "LogStoreName": flowlog.log_store_name,
        "Status": flowlog.status,
        "BusinessStatus": state.account.business_status,
        "CreationTime": iso8601(flowlog.creation_time),
        "AggregationInterval": flowlog.aggregation_interval,
        "IpVersion": flowlog.ip_version,
        "LogFormat": flowlog.log_format,
        "ResourceGroupId": flowlog.resource_group_id,
        "ServiceType": "",
        "FlowLogDeliverStatus": deliver_status,
        "FlowLogDeliverErrorMessage": deliver_error,
        "TrafficPath": {"TrafficPathList": list(flowlog.traffic_path)},
        "Tags": {"Tag": [{"Key": key, "Value": value} for key, value in flowlog.tags.items()]},
    }


# DescribeFlowLogs filter parameter -> attribute it matches exactly.
_EXACT_FILTERS = {
    "FlowLogId": "flow_log_id",
    "FlowLogName": "flow_log_name",
    "Description": "description",
    "ResourceType": "resource_type",
    "ResourceId": "resource_id",
    "TrafficType": "traffic_type",
    "ProjectName": "project_name",
    "LogStoreName": "log_store_name",
    "Status": "status",
    "VpcId": "vpc_id",
    "ResourceGroupId": "resource_group_id",
}


def describe_flow_logs(ctx: ActionContext) -> dict[str, Any]:
    region = require_region(ctx)
    number, size = validation.page(ctx.params)
    wanted = {
        attr: value for name, attr in _EXACT_FILTERS.items() if (value := ctx.params.get(name)) is not None
    }
    wanted_tags = [
        (tag["Key"] or "", tag["Value"]) for _, tag in ctx.params.indexed_objects("Tags", ("Key", "Value"))
    ]
    if len(wanted_tags) > validation.MAX_TAGS:
        raise ApiError("InvalidParameter", f"Tags.N: at most {validation.MAX_TAGS} tags.")

    def matches(flowlog: FlowLog) -> bool:
        if any(getattr(flowlog, a) != v for a, v in wanted.items()):
            return False
        return all(
            key in flowlog.tags and (value is None or flowlog.tags[key] == value)
            for key, value in wanted_tags
        )

    in_region = [f for f in ctx.state.ordered_flowlogs() if f.region_id == region]
    selected = [f for f in in_region if matches(f)] if wanted or wanted_tags else in_region
    page_items = selected[(number - 1) * size : number * size]
    return {
        "Success": "true",
        "TotalCount": str(len(selected)),
        "PageNumber": str(number),
        "PageSize": str(size),
        "FlowLogs": {"FlowLog": [describe_flowlog(f, ctx.state) for f in page_items]},
    }


def modify_flow_log_attribute(ctx: ActionContext) -> dict[str, Any]:
    region = require_region(ctx)
    flowlog = find_flowlog(ctx, region)
    name = validation.display_text(ctx.params, "FlowLogName", 128)
    description = validation.display_text(ctx.params, "Description", 256)
    aggregation = validation.aggregation_interval(ctx.params)
    ip_version = validation.ip_version(ctx.params)
    log_format = ctx.params.get("LogFormat")
    refuse_transient(flowlog, "ModifyFlowLogAttribute")
    if name is not None:
        flowlog.flow_log_name = name
    if description is not None:
        flowlog.description = description
    if aggregation is not None:
        flowlog.aggregation_interval = aggregation
    if ip_version is not None:
        flowlog.ip_version = ip_version
    if log_format is not None:
        flowlog.log_format = log_format
    return {"Success": "true"}


def active_flow_log(ctx: ActionContext) -> dict[str, Any]:
    """Inactive -> Activating -> Active; already Active is a no-op success."""
    flowlog = find_flowlog(ctx, require_region(ctx))
    refuse_transient(flowlog, "ActiveFlowLog")
    if flowlog.status == INACTIVE:
        flowlog.begin(ACTIVATING, ACTIVE, ctx.now, ctx.state.delays.activation)
    return {"Success": "true"}


def deactive_flow_log(ctx: ActionContext) -> dict[str, Any]:
    """Active -> Deactivating -> Inactive; already Inactive is a no-op success."""
    flowlog = find_flowlog(ctx, require_region(ctx))
    refuse_transient(flowlog, "DeactiveFlowLog")
    if flowlog.status == ACTIVE:
        flowlog.begin(DEACTIVATING, INACTIVE, ctx.now, ctx.state.delays.deactivation)
    return {"Success": "true"}


def delete_flow_log(ctx: ActionContext) -> dict[str, Any]:
    """Active or Inactive -> Deleting -> gone from DescribeFlowLogs."""
    flowlog = find_flowlog(ctx, require_region(ctx))
    refuse_transient(flowlog, "DeleteFlowLog")
    flowlog.begin(DELETING, GONE, ctx.now, ctx.state.delays.deletion)
    return {"Success": "true"}
