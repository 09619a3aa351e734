"""Carry out a decision's one cloud action."""

from __future__ import annotations

from flowlog_operator.core import decisions as d
from flowlog_operator.core.ports import FlowLogCloud


async def perform(cloud: FlowLogCloud, region_id: str, action: d.Action) -> str | None:
    """Make the cloud call ``action`` stands for; returns the new flow log ID for a create."""
    match action:
        case d.Create(request=request):
            return await cloud.create(request)
        case d.Modify(flow_log_id=flow_log_id, changes=changes):
            await cloud.modify(region_id, flow_log_id, changes)
        case d.Activate(flow_log_id=flow_log_id):
            await cloud.activate(region_id, flow_log_id)
        case d.Deactivate(flow_log_id=flow_log_id):
            await cloud.deactivate(region_id, flow_log_id)
        case d.Tag(flow_log_id=flow_log_id, tags=tags):
            await cloud.tag(region_id, flow_log_id, tags)
        case d.Untag(flow_log_id=flow_log_id, keys=keys):
            await cloud.untag(region_id, flow_log_id, keys)
        case d.MoveResourceGroup(flow_log_id=flow_log_id, resource_group_id=group):
            await cloud.move_resource_group(region_id, flow_log_id, group)
        case d.Delete(flow_log_id=flow_log_id):
            await cloud.delete(region_id, flow_log_id)
        case d.MarkCreatePending():
            pass
    return None
