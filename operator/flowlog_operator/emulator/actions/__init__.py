"""The action table: every VPC FlowLog action and every STS action, with its handler."""

from __future__ import annotations

from flowlog_operator.emulator.actions import create, flowlogs, service, sts, tagging
from flowlog_operator.emulator.actions.base import Action, ActionContext

VPC_VERSION = "2016-04-28"
STS_VERSION = sts.STS_VERSION

VPC_ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("CreateFlowLog", create.create_flow_log, mutating=True),
        Action("DescribeFlowLogs", flowlogs.describe_flow_logs, mutating=False),
        Action("ModifyFlowLogAttribute", flowlogs.modify_flow_log_attribute, mutating=True),
        Action("ActiveFlowLog", flowlogs.active_flow_log, mutating=True),
        Action("DeactiveFlowLog", flowlogs.deactive_flow_log, mutating=True),
        Action("DeleteFlowLog", flowlogs.delete_flow_log, mutating=True),
        Action("GetFlowLogServiceStatus", service.get_flow_log_service_status, mutating=False),
        Action("OpenFlowLogService", service.open_flow_log_service, mutating=True),
        Action("TagResources", tagging.tag_resources, mutating=True),
        Action("UnTagResources", tagging.un_tag_resources, mutating=True),
        Action("ListTagResources", tagging.list_tag_resources, mutating=False),
        Action("MoveResourceGroup", tagging.move_resource_group, mutating=True),
    )
}

STS_ACTIONS: dict[str, Action] = {
    "AssumeRole": Action("AssumeRole", sts.assume_role, mutating=True),
    "AssumeRoleWithOIDC": Action(
        "AssumeRoleWithOIDC", sts.assume_role_with_oidc, mutating=True, signed=False
    ),
}

__all__ = ["STS_ACTIONS", "STS_VERSION", "VPC_ACTIONS", "VPC_VERSION", "Action", "ActionContext"]
