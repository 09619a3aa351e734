"""The per-account flow log switch: GetFlowLogServiceStatus and OpenFlowLogService."""

from __future__ import annotations

from typing import Any

from flowlog_operator.emulator.actions.base import ActionContext, require_region
from flowlog_operator.emulator.errors import ApiError


def get_flow_log_service_status(ctx: ActionContext) -> dict[str, Any]:
    require_region(ctx)
    return {"Enabled": ctx.state.account.service_enabled}


def open_flow_log_service(ctx: ActionContext) -> dict[str, Any]:
    """Opens the service once; any later call is refused as Terraform expects."""
    require_region(ctx)
    account = ctx.state.account
    if account.service_enabled:
        raise ApiError("OperationFailed.ExceedPurchaseLimit", "The flow log service is already opened.")
    account.service_enabled = True
    account.service_opened_by_call = True
    return {"Code": "200", "Message": "Successful"}
