"""What every action handler receives, and how actions are registered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flowlog_operator.emulator.auth import Principal
from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.state import TRANSIENT_STATES, EmulatorState, FlowLog
from flowlog_operator.emulator.wire import Params


@dataclass
class ActionContext:
    params: Params
    state: EmulatorState
    now: float
    principal: Principal | None
    request_id: str
    config: EmulatorConfig


Handler = Callable[[ActionContext], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    name: str
    handler: Handler
    mutating: bool
    signed: bool = True


def require_region(ctx: ActionContext) -> str:
    region = ctx.params.require("RegionId")
    if region not in ctx.state.inventory.regions:
        raise ApiError("InvalidRegionId.NotFound", f"RegionId {region!r}.")
    return region


def find_flowlog(ctx: ActionContext, region: str, name: str = "FlowLogId") -> FlowLog:
    flow_log_id = ctx.params.require(name)
    flowlog = ctx.state.flowlogs.get(flow_log_id)
    if flowlog is None or flowlog.region_id != region:
        raise ApiError("InvalidFlowLogId.NotFound", f"{name} {flow_log_id!r} does not exist in {region}.")
    return flowlog


def refuse_transient(flowlog: FlowLog, action: str) -> None:
    if flowlog.status in TRANSIENT_STATES:
        raise ApiError(
            "IncorrectStatus.flowlog",
            f"{action} is not allowed while flow log {flowlog.flow_log_id} is {flowlog.status}.",
        )
