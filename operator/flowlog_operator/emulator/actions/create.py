"""CreateFlowLog: every rule of the official error table, checked in a fixed, documented order.

Markers are how the inventory reaches the errors no ordinary input can: a marker
put on a region, VPC, vSwitch, ENI or SLS project name applies to everything
beneath it (see README.md for the full table).
"""

from __future__ import annotations

from typing import Any

from flowlog_operator.emulator import validation
from flowlog_operator.emulator.actions.base import ActionContext, require_region
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.inventory import ResourceLocation
from flowlog_operator.emulator.state import ACTIVATING, ACTIVE, DEFAULT_RESOURCE_GROUP, FlowLog

# marker -> code, checked in this order on the resource and its ancestors.
RESOURCE_MARKERS: dict[str, str] = {
    "flowlog-unsupported": "OperationUnsupported.action",
    "shared": "OperationDenied.OperateShareResource",
    "no-vpc-advanced-features": "UnsupportedFeature.VpcAdvancedFeature",
    "advanced-feature-unsupported": "OperationUnsupported.AdvancedFeature",
    "unsupported-eni-type": "OperationFailed.EniTypeNotSupport",
    "hd-monitor-abnormal": "InvalidHdMonitorStatus",
    "rule-exists": "RuleExist",
    "internal-error": "OperationFailed.InternalError",
}
IPV6_UNSUPPORTED_MARKER = "ipv6-unsupported"
SOURCE_PROJECT_MISSING_MARKER = "source-project-missing"


def _check_account(ctx: ActionContext) -> None:
    account = ctx.state.account
    if not account.service_enabled:
        raise ApiError("OptInRequired.FlowLog", "Call OpenFlowLogService first.")
    if account.business_status != "Normal":
        raise ApiError("IncorrectBusinessStatus.FlowLog", f"The account is {account.business_status}.")
    if ctx.principal and ctx.principal.access_key_id in account.ram_user_access_keys:
        raise ApiError("Unauthorized", f"AccessKeyId {ctx.principal.access_key_id!r} belongs to a RAM user.")


def _locate(ctx: ActionContext, region: str, resource_type: str, resource_id: str) -> ResourceLocation:
    location = ctx.state.inventory.locate(resource_id)
    if location is None or location.region != region:
        raise ApiError("InvalidInstanceId", f"ResourceId {resource_id!r} does not exist in {region}.")
    if location.kind != resource_type:
        raise ApiError(
            "InvalidResourceType.NotFound",
            f"ResourceId {resource_id!r} is a {location.kind}, not a {resource_type}.",
        )
    return location


def _check_markers(ctx: ActionContext, location: ResourceLocation, ip_version: str) -> None:
    markers = ctx.state.inventory.markers_of(*location.chain)
    for marker, code in RESOURCE_MARKERS.items():
        if marker in markers:
            raise ApiError(code, f"ResourceId {location.id!r} (marker {marker!r}).")
    if ip_version == "DualStack" and IPV6_UNSUPPORTED_MARKER in markers:
        raise ApiError("UnsupportedFeature.IpVersion", f"IpVersion DualStack on {location.id!r}.")


def _check_destination(ctx: ActionContext, region: str, aggregation: int) -> tuple[str, str, str]:
    """ProjectName/LogStoreName and/or TrafficAnalyzerId; returns the three as given."""
    params = ctx.params
    project, logstore, analyzer_id = (
        params.get("ProjectName"),
        params.get("LogStoreName"),
        params.get("TrafficAnalyzerId"),
    )
    if analyzer_id is None and (project is None or logstore is None):
        raise ApiError(
            "MissingParam.TrafficAnalyzerIdOrLogProjectOrLogStore", "Send ProjectName and LogStoreName."
        )
    if project is not None:
        validation.project_name(project)
    if logstore is not None:
        validation.log_store_name(logstore)
    if project is not None and logstore is not None:
        found = ctx.state.inventory.sls_project(region, project)
        if found is None or logstore not in found.logstores:
            raise ApiError(
                "ProjectOrLogstoreNotExist", f"ProjectName {project!r} / LogStoreName {logstore!r}."
            )
        if SOURCE_PROJECT_MISSING_MARKER in ctx.state.inventory.markers_of(project):
            raise ApiError("SourceProjectNotExist", f"ProjectName {project!r}.")
    if analyzer_id is not None:
        analyzer = ctx.state.inventory.traffic_analyzer(region, analyzer_id)
        if analyzer is None:
            raise ApiError(
                "OperationDenied.NisTrafficAnalyzerNotFound", f"TrafficAnalyzerId {analyzer_id!r}."
            )
        if analyzer.status != ACTIVE:
            raise ApiError(
                "OperationDenied.NisTrafficAnalyzerNotActive", f"TrafficAnalyzerId {analyzer_id!r}."
            )
        if aggregation > analyzer.aggregation_interval:
            raise ApiError(
                "OperationDenied.NisTrafficAnalyzerAggregationIntervalMismatch",
                f"AggregationInterval {aggregation} > {analyzer.aggregation_interval} of {analyzer_id!r}.",
            )
    return project or "", logstore or "", analyzer_id or ""


def _check_existing(ctx: ActionContext, resource_id: str, paths: list[str]) -> None:
    """The traffic-path rule always holds; one flow log per resource unless the account lifts it."""
    existing = [f for f in ctx.state.flowlogs.values() if f.resource_id == resource_id]
    custom = paths not in ([], ["all"])
    if custom and any(f.collects_all_traffic for f in existing):
        raise ApiError("OperationDenied.AllTrafficPathOfManagedExist", f"ResourceId {resource_id!r}.")
    if existing and not ctx.state.account.allow_several_flowlogs_per_resource:
        raise ApiError(
            "InvalidResourceId.NotFound", f"ResourceId {resource_id!r} has {existing[0].flow_log_id}."
        )


def create_flow_log(ctx: ActionContext) -> dict[str, Any]:
    params, state = ctx.params, ctx.state
    region = require_region(ctx)
    if "flowlog-unsupported" in state.inventory.markers_of(region):
        raise ApiError("OperationUnsupported.action", f"Flow logs are not offered in {region}.")
    _check_account(ctx)
    resource_type = validation.resource_type(params.require("ResourceType"))
    resource_id = params.require("ResourceId")
    traffic_type = validation.traffic_type(params.require("TrafficType"))
    name = validation.display_text(params, "FlowLogName", 128)
    description = validation.display_text(params, "Description", 256)
    aggregation = validation.aggregation_interval(params) or 10
    ip_version = validation.ip_version(params) or "IPV4"
    paths = validation.traffic_paths(params)
    if paths not in ([], ["all"]):
        if not state.account.user_defined_traffic_path:
            raise ApiError("UnsupportedFeature.UserDefinedTrafficPath", f"TrafficPath {paths}.")
        if ip_version == "DualStack":
            raise ApiError(
                "UnsupportedFeature.UserDefinedTrafficPathIpv6", f"TrafficPath {paths} with DualStack."
            )
    tags = validation.tags(params, "Tag")
    group = params.get("ResourceGroupId")
    if group is not None:
        validation.resource_group_id(group, state.inventory.resource_groups)
    project, logstore, analyzer_id = _check_destination(ctx, region, aggregation)
    location = _locate(ctx, region, resource_type, resource_id)
    _check_markers(ctx, location, ip_version)
    _check_existing(ctx, resource_id, paths)
    if state.count_in_region(region) >= state.account.flowlog_quota:
        raise ApiError(
            "QuotaExceeded.FlowlogCount", f"The quota is {state.account.flowlog_quota} in {region}."
        )

    flowlog = FlowLog(
        flow_log_id=state.new_flow_log_id(),
        region_id=region,
        resource_type=resource_type,
        resource_id=resource_id,
        vpc_id=location.vpc_id,
        traffic_type=traffic_type,
        project_name=project,
        log_store_name=logstore,
        creation_time=ctx.now,
        sequence=state.take_sequence(),
        flow_log_name=name or "",
        description=description or "",
        aggregation_interval=aggregation,
        traffic_path=paths or ["all"],
        ip_version=ip_version,
        log_format=params.get("LogFormat") or "",
        resource_group_id=group or DEFAULT_RESOURCE_GROUP,
        traffic_analyzer_id=analyzer_id,
        tags=tags,
    )
    flowlog.begin(ACTIVATING, ACTIVE, ctx.now, state.delays.activation)
    state.flowlogs[flowlog.flow_log_id] = flowlog
    return {"Success": "true", "FlowLogId": flowlog.flow_log_id, "ResourceGroupId": flowlog.resource_group_id}
