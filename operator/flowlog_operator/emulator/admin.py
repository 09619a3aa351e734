"""The admin interface under ``/_emulator/``: unsigned, outside the Alibaba API, for tests and demos.

Shapes are fixed (other tooling depends on them); README.md documents each route.
Refusals are ``400 {"error": "..."}``; unknown flow logs ``404 {"error": "..."}``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from flowlog_operator.emulator.actions.flowlogs import describe_flowlog
from flowlog_operator.emulator.faults import FaultSettings
from flowlog_operator.emulator.inventory import Inventory, InventoryError
from flowlog_operator.emulator.ratelimit import parse_rate_limit
from flowlog_operator.emulator.runtime import EmulatorRuntime
from flowlog_operator.emulator.state import FlowLog

_STATUSES = ("Activating", "Active", "Deactivating", "Inactive", "Deleting")
_EDITABLE = {
    "FlowLogName": "flow_log_name",
    "Description": "description",
    "ResourceGroupId": "resource_group_id",
}


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        document = await request.json() if await request.read() else {}
    except json.JSONDecodeError as exc:
        raise AdminError(f"body is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise AdminError("body must be a JSON object")
    return document


def _flowlog(runtime: EmulatorRuntime, request: web.Request) -> FlowLog:
    runtime.state.settle(runtime.clock())
    flowlog = runtime.state.flowlogs.get(request.match_info["flow_log_id"])
    if flowlog is None:
        raise AdminError(f"flow log {request.match_info['flow_log_id']!r} does not exist", 404)
    return flowlog


def _edit_flowlog(flowlog: FlowLog, changes: dict[str, Any]) -> None:
    """Apply changes named as DescribeFlowLogs names them; a Status is reached at once."""
    for key, value in changes.items():
        if key == "Status":
            if value not in _STATUSES:
                raise AdminError(f"Status must be one of {_STATUSES}")
            flowlog.status, flowlog.heading_to, flowlog.due_at = str(value), None, None
        elif key in _EDITABLE:
            setattr(flowlog, _EDITABLE[key], str(value))
        elif key == "AggregationInterval":
            flowlog.aggregation_interval = int(value)
        elif key == "IpVersion":
            flowlog.ip_version = str(value)
        elif key == "Tags":
            pairs = (
                value.items() if isinstance(value, dict) else ((t["Key"], t.get("Value", "")) for t in value)
            )
            flowlog.tags = {str(k): str(v) for k, v in pairs}
        else:
            raise AdminError(
                f"cannot change {key!r}; changeable: Status, Tags, AggregationInterval, IpVersion, "
                f"{', '.join(_EDITABLE)}"
            )


def add_routes(app: web.Application, runtime_key: web.AppKey[EmulatorRuntime]) -> None:
    def runtime_of(request: web.Request) -> EmulatorRuntime:
        return request.app[runtime_key]

    routes = web.RouteTableDef()

    @routes.get("/_emulator/health")
    async def health(request: web.Request) -> web.Response:
        return _json({"ok": True})

    @routes.get("/_emulator/inventory")
    async def get_inventory(request: web.Request) -> web.Response:
        return _json(runtime_of(request).state.inventory.to_document())

    @routes.post("/_emulator/inventory")
    async def merge_inventory(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        document = await _body(request)
        trial = Inventory.from_document(runtime.state.inventory.to_document())
        trial.merge(document)  # validates before touching the live inventory
        runtime.state.inventory = trial
        runtime.persist()
        return _json(trial.to_document())

    @routes.put("/_emulator/inventory")
    async def replace_inventory(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        runtime.state.inventory = Inventory.from_document(await _body(request))
        runtime.persist()
        return _json(runtime.state.inventory.to_document())

    @routes.get("/_emulator/calls")
    async def get_calls(request: web.Request) -> web.Response:
        ledger = runtime_of(request).calls
        detailed = request.query.get("detail", "") not in ("", "0", "false")
        return _json(ledger.detail() if detailed else ledger.totals())

    @routes.get("/_emulator/calls/log")
    async def get_call_log(request: web.Request) -> web.Response:
        return _json(runtime_of(request).calls.log())

    @routes.delete("/_emulator/calls")
    async def clear_calls(request: web.Request) -> web.Response:
        runtime_of(request).calls.clear()
        return _json({})

    @routes.get("/_emulator/flowlogs")
    async def list_flowlogs(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        runtime.state.settle(runtime.clock())
        return _json([describe_flowlog(f, runtime.state) for f in runtime.state.ordered_flowlogs()])

    @routes.get("/_emulator/flowlogs/{flow_log_id}")
    async def get_flowlog(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        return _json(describe_flowlog(_flowlog(runtime, request), runtime.state))

    @routes.post("/_emulator/flowlogs/{flow_log_id}")
    async def edit_flowlog(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        flowlog = _flowlog(runtime, request)
        changes = await _body(request)
        _edit_flowlog(flowlog, changes)
        runtime.persist()
        return _json(describe_flowlog(flowlog, runtime.state))

    @routes.delete("/_emulator/flowlogs/{flow_log_id}")
    async def delete_flowlog(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        flowlog = _flowlog(runtime, request)
        del runtime.state.flowlogs[flowlog.flow_log_id]
        runtime.persist()
        return _json({"deleted": flowlog.flow_log_id})

    @routes.get("/_emulator/faults")
    async def get_faults(request: web.Request) -> web.Response:
        return _json(runtime_of(request).faults.settings.to_document())

    @routes.post("/_emulator/faults")
    async def set_faults(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        settings = FaultSettings.from_document(await _body(request))
        runtime.faults.replace(settings)
        return _json(settings.to_document())

    @routes.get("/_emulator/account")
    async def get_account(request: web.Request) -> web.Response:
        return _json(vars(runtime_of(request).state.account))

    @routes.post("/_emulator/account")
    async def set_account(request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        runtime.state.account.update(await _body(request))
        runtime.persist()
        return _json(vars(runtime.state.account))

    @routes.get("/_emulator/rate-limits")
    async def get_rate_limits(request: web.Request) -> web.Response:
        limiter = runtime_of(request).limiter
        return _json(
            {"enabled": limiter.enabled, "limits": {a: str(lim) for a, lim in limiter.limits.items()}}
        )

    @routes.post("/_emulator/rate-limits")
    async def set_rate_limits(request: web.Request) -> web.Response:
        limiter = runtime_of(request).limiter
        document = await _body(request)
        if "enabled" in document:
            limiter.enabled = bool(document["enabled"])
        for action, spec in dict(document.get("limits") or {}).items():
            limiter.limits[action] = parse_rate_limit(f"{action}={spec}")[1]
        limiter.reset()
        return _json(
            {"enabled": limiter.enabled, "limits": {a: str(lim) for a, lim in limiter.limits.items()}}
        )

    @routes.post("/_emulator/reset")
    async def reset(request: web.Request) -> web.Response:
        runtime_of(request).reset()
        return _json({"reset": True})

    @web.middleware
    async def admin_errors(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except AdminError as exc:
            return _json({"error": str(exc)}, exc.status)
        except (InventoryError, ValueError, KeyError, TypeError) as exc:
            if not request.path.startswith("/_emulator/"):
                raise
            return _json({"error": str(exc)}, 400)
        return response

    app.middlewares.append(admin_errors)
    app.add_routes(routes)
