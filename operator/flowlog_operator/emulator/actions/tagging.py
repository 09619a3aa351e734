"""Tags and resource groups on flow logs: TagResources, UnTagResources, ListTagResources, MoveResourceGroup.

These are resource-manager operations, so they are allowed in every life-cycle
state. ``ResourceType`` is ``FLOWLOG`` in any letter case.
"""

from __future__ import annotations

from typing import Any

from flowlog_operator.emulator import validation
from flowlog_operator.emulator.actions.base import ActionContext, require_region
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.state import FlowLog

MAX_RESOURCES = 50
MAX_TAG_KEYS = 20


def _flowlogs(ctx: ActionContext, region: str, *, required: bool) -> list[FlowLog]:
    validation.flowlog_resource_type(ctx.params.require("ResourceType"))
    ids = ctx.params.indexed("ResourceId")
    if required and not ids:
        raise ApiError("MissingParameter", "The input parameter ResourceId.N is not supplied.")
    if len(ids) > MAX_RESOURCES:
        raise ApiError("InvalidParameter", f"ResourceId.N: at most {MAX_RESOURCES} resources.")
    found = []
    for name, flow_log_id in ids:
        flowlog = ctx.state.flowlogs.get(flow_log_id)
        if flowlog is None or flowlog.region_id != region:
            raise ApiError("InvalidFlowLogId.NotFound", f"{name} {flow_log_id!r} does not exist in {region}.")
        found.append(flowlog)
    return found


def tag_resources(ctx: ActionContext) -> dict[str, Any]:
    region = require_region(ctx)
    flowlogs = _flowlogs(ctx, region, required=True)
    tags = validation.tags(ctx.params, "Tag", code="InvalidParameter")
    if not tags:
        raise ApiError("MissingParameter", "The input parameter Tag.N is not supplied.")
    for flowlog in flowlogs:
        if len(flowlog.tags.keys() | tags.keys()) > validation.MAX_TAGS:
            raise ApiError("InvalidParameter", f"Tag.N: {flowlog.flow_log_id} would exceed 20 tags.")
    for flowlog in flowlogs:
        flowlog.tags.update(tags)
    return {}


def un_tag_resources(ctx: ActionContext) -> dict[str, Any]:
    """Removes ``TagKey.N``; with no keys and ``All=true`` removes every tag."""
    region = require_region(ctx)
    flowlogs = _flowlogs(ctx, region, required=True)
    keys = [key for _, key in ctx.params.indexed("TagKey")]
    if len(keys) > MAX_TAG_KEYS:
        raise ApiError("InvalidParameter", f"TagKey.N: at most {MAX_TAG_KEYS} keys.")
    remove_all = (ctx.params.get("All") or "false").lower() == "true"
    for flowlog in flowlogs:
        if keys:
            for key in keys:
                flowlog.tags.pop(key, None)
        elif remove_all:
            flowlog.tags.clear()
    return {}


def list_tag_resources(ctx: ActionContext) -> dict[str, Any]:
    """One entry per (flow log, tag), paged by an opaque ``NextToken``; empty when it is the last page."""
    region = require_region(ctx)
    flowlogs = _flowlogs(ctx, region, required=False)
    wanted = [(t["Key"] or "", t["Value"]) for _, t in ctx.params.indexed_objects("Tag", ("Key", "Value"))]
    if not flowlogs and not wanted:
        raise ApiError("MissingParameter", "Send ResourceId.N or Tag.N.")
    max_results = ctx.params.integer("MaxResults")
    max_results = 50 if max_results is None else max_results
    if not 1 <= max_results <= 50:
        raise ApiError("InvalidParameter", f"MaxResults {max_results} must be between 1 and 50.")
    token = ctx.params.get("NextToken")
    if token is not None and not (token.isascii() and token.isdigit() and len(token) <= 9):
        raise ApiError("InvalidParameter", f"NextToken {token[:20]!r} is not valid.")
    offset = int(token) if token else 0

    candidates = flowlogs or [f for f in ctx.state.ordered_flowlogs() if f.region_id == region]
    entries = []
    for flowlog in candidates:
        if not all(k in flowlog.tags and (v is None or flowlog.tags[k] == v) for k, v in wanted):
            continue
        for key, value in flowlog.tags.items():
            if wanted and key not in {k for k, _ in wanted}:
                continue
            entries.append(
                {
                    "ResourceId": flowlog.flow_log_id,
                    "ResourceType": "FLOWLOG",
                    "TagKey": key,
                    "TagValue": value,
                }
            )
    page = entries[offset : offset + max_results]
    more = offset + max_results < len(entries)
    return {"NextToken": str(offset + max_results) if more else "", "TagResources": {"TagResource": page}}


def move_resource_group(ctx: ActionContext) -> dict[str, Any]:
    region = require_region(ctx)
    validation.flowlog_resource_type(ctx.params.require("ResourceType"))
    resource_id = ctx.params.require("ResourceId")
    group = validation.resource_group_id(
        ctx.params.require("NewResourceGroupId"), ctx.state.inventory.resource_groups, "NewResourceGroupId"
    )
    flowlog = ctx.state.flowlogs.get(resource_id)
    if flowlog is None or flowlog.region_id != region:
        raise ApiError("InvalidFlowLogId.NotFound", f"ResourceId {resource_id!r} does not exist in {region}.")
    flowlog.resource_group_id = group
    return {}
