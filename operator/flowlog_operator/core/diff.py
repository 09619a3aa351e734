"""Comparisons between the spec and a flow log in the cloud: what to send, what cannot be changed."""

from __future__ import annotations

from collections.abc import Mapping

from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import CreateRequest
from flowlog_operator.core.view import ObjectView
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY

SYSTEM_TAG_PREFIXES = ("acs:", "aliyun")
"""Tags the cloud itself manages; the operator never removes them."""

DEFAULT_TRAFFIC_PATH = ("all",)


def desired_tags(view: ObjectView) -> dict[str, str]:
    """The user's tags plus the ownership tag that ties the flow log to this object."""
    return {**dict(view.spec.tags or {}), OWNERSHIP_TAG_KEY: view.uid}


def default_flow_log_name(view: ObjectView) -> str:
    """A readable name for the cloud console when the spec names none."""
    return f"{view.namespace}-{view.name}"[:128]


def create_request(view: ObjectView) -> CreateRequest:
    spec = view.spec
    return CreateRequest(
        region_id=spec.region_id,
        resource_type=spec.resource_type,
        resource_id=spec.resource_id,
        traffic_type=spec.traffic_type,
        project_name=spec.project_name,
        log_store_name=spec.log_store_name,
        aggregation_interval=spec.aggregation_interval,
        traffic_path=tuple(spec.traffic_path or ()),
        ip_version=spec.ip_version,
        flow_log_name=spec.flow_log_name or default_flow_log_name(view),
        description=spec.description,
        resource_group_id=spec.resource_group_id,
        tags=desired_tags(view),
    )


def modify_changes(view: ObjectView, flow_log: CloudFlowLog) -> dict[str, str | int]:
    """``ModifyFlowLogAttribute`` parameters for the mutable fields that differ.

    A field the spec leaves out is left as the cloud has it (the cloud cannot clear a name or a
    description, and an absent field is no instruction).
    """
    spec = view.spec
    changes: dict[str, str | int] = {}
    if spec.flow_log_name is not None and spec.flow_log_name != flow_log.flow_log_name:
        changes["FlowLogName"] = spec.flow_log_name
    if spec.description is not None and spec.description != flow_log.description:
        changes["Description"] = spec.description
    if spec.aggregation_interval is not None and spec.aggregation_interval != flow_log.aggregation_interval:
        changes["AggregationInterval"] = spec.aggregation_interval
    if spec.ip_version is not None and spec.ip_version.upper() != (flow_log.ip_version or "IPV4").upper():
        changes["IpVersion"] = spec.ip_version
    return changes


def tag_changes(view: ObjectView, flow_log: CloudFlowLog) -> tuple[dict[str, str], list[str]]:
    """Tags to set (added or changed) and tag keys to remove."""
    wanted = desired_tags(view)
    present = {k: v for k, v in flow_log.tags.items() if not k.startswith(SYSTEM_TAG_PREFIXES)}
    to_set = {k: v for k, v in wanted.items() if present.get(k) != v}
    to_remove = sorted(k for k in present if k not in wanted)
    return to_set, to_remove


def immutable_mismatches(view: ObjectView, flow_log: CloudFlowLog) -> dict[str, tuple[object, object]]:
    """Spec fields the cloud cannot change that differ from the flow log: field -> (spec, cloud)."""
    spec = view.spec
    pairs: dict[str, tuple[object, object]] = {
        "resourceType": (spec.resource_type, flow_log.resource_type),
        "resourceId": (spec.resource_id, flow_log.resource_id),
        "trafficType": (spec.traffic_type, flow_log.traffic_type),
    }
    if spec.project_name is not None:
        pairs["projectName"] = (spec.project_name, flow_log.project_name)
    if spec.log_store_name is not None:
        pairs["logStoreName"] = (spec.log_store_name, flow_log.log_store_name)
    if spec.traffic_path:
        cloud_paths = sorted(flow_log.traffic_path or DEFAULT_TRAFFIC_PATH)
        pairs["trafficPath"] = (sorted(spec.traffic_path), cloud_paths)
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def owned_by(view: ObjectView, flow_log: CloudFlowLog) -> bool:
    return flow_log.tags.get(OWNERSHIP_TAG_KEY) == view.uid


def observed_status(flow_log: CloudFlowLog) -> dict[str, object]:
    """Status fields that mirror what the cloud reports."""
    fields: Mapping[str, str] = {
        "flowLogId": flow_log.flow_log_id,
        "cloudStatus": flow_log.status,
        "businessStatus": flow_log.business_status,
        "creationTime": flow_log.creation_time,
        "deliveryStatus": flow_log.deliver_status,
        "deliveryError": flow_log.deliver_error,
        "resourceGroupId": flow_log.resource_group_id,
    }
    return {key: (value or None) for key, value in fields.items()}
