"""The admin interface under ``/_emulator/``: unsigned, outside the Alibaba API, for tests and demos.

Shapes are fixed (other tooling depends on them); README.md documents each route.
Refusals are ``400`` (unknown flow logs ``404``) with the Alibaba error body
``{RequestId, HostId, Code, Message, Recommend}`` plus ``error`` (the message).
Documents are read with their JSON types (``documents``): a value of the wrong
type is refused with a message naming the field, never coerced.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from flowlog_operator.emulator import documents
from flowlog_operator.emulator.actions.flowlogs import describe_flowlog
from flowlog_operator.emulator.errors import error_document
from flowlog_operator.emulator.faults import FaultSettings
from flowlog_operator.emulator.inventory import Inventory, InventoryError
from flowlog_operator.emulator.ratelimit import parse_rate_limit
from flowlog_operator.emulator.runtime import EmulatorRuntime
from flowlog_operator.emulator.state import FlowLog
from flowlog_operator.emulator.wire import new_request_id

_STATUSES = ("Activating", "Active", "Deactivating", "Inactive", "Deleting")
_EDITABLE = {
    "FlowLogName": "flow_log_name",
    "Description": "description",
    "ResourceGroupId": "resource_group_id",
}


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "InvalidParameter") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        data, status=status, headers=headers, dumps=lambda d: json.dumps(d, ensure_ascii=False)
    )


def refusal(request: web.Request, message: str, status: int, code: str) -> web.Response:
    """An admin refusal: the Alibaba error body, plus ``error`` as the admin interface always had."""
    request_id = new_request_id()
    host = request.headers.get("Host", "emulator")
    body = {"error": message, **error_document(code, message, request_id, host)}
    return _json(body, status, {"x-acs-request-id": request_id})


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        document = json.loads(raw) if raw else {}
    except RecursionError:
        raise AdminError("body is nested too deeply to be read") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise AdminError(f"body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise AdminError("body must be a JSON object")
    return document


def _flowlog(runtime: EmulatorRuntime, request: web.Request) -> FlowLog:
    runtime.state.settle(runtime.clock())
    flowlog = runtime.state.flowlogs.get(request.match_info["flow_log_id"])
    if flowlog is None:
        shown = documents.show(request.match_info["flow_log_id"])
        raise AdminError(f"flow log {shown} does not exist", 404, "InvalidFlowLogId.NotFound")
    return flowlog


def _edit_flowlog(flowlog: FlowLog, changes: dict[str, Any]) -> None:
    """Apply changes named as DescribeFlowLogs names them; a Status is reached at once."""
    for key, value in changes.items():
        if key == "Status":
            if not isinstance(value, str) or value not in _STATUSES:
                raise AdminError(f"Status must be one of {_STATUSES}, got {documents.show(value)}")
            flowlog.status, flowlog.heading_to, flowlog.due_at = value, None, None
        elif key in _EDITABLE:
            setattr(flowlog, _EDITABLE[key], documents.string(value, key))
        elif key == "AggregationInterval":
            flowlog.aggregation_interval = documents.integer(value, key, minimum=1, maximum=3600)
        elif key == "IpVersion":
            flowlog.ip_version = documents.string(value, key)
        elif key == "Tags":
            flowlog.tags = _tags(value)
        else:
            raise AdminError(
                f"cannot change {documents.show(key)}; changeable: Status, Tags, AggregationInterval, "
                f"IpVersion, {', '.join(_EDITABLE)}"
            )


def _tags(value: object) -> dict[str, str]:
    """``{"k": "v"}`` or ``[{"Key": "k", "Value": "v"}]``, strings only."""
    if isinstance(value, dict):
        return {
            documents.string(k, "Tags key"): documents.string(v, documents.key_name("Tags", k))
            for k, v in value.items()
        }
    if not isinstance(value, list):
        raise documents.DocumentError(f"Tags must be an object or a list, got {documents.show(value)}")
    tags: dict[str, str] = {}
    for index, item in enumerate(value):
        tag = documents.mapping(item, f"Tags[{index}]")
        key = documents.string(tag.get("Key"), f"Tags[{index}].Key")
        tags[key] = documents.string(tag.get("Value", ""), f"Tags[{index}].Value")
    return tags


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
        changes = await _body(request)
        flowlog = _flowlog(runtime, request)
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
        unknown = [key for key in document if key not in ("enabled", "limits")]
        if unknown:
            raise AdminError(f"unknown rate-limit settings {documents.show(unknown)}; known: enabled, limits")
        enabled = documents.boolean(document.get("enabled", limiter.enabled), "enabled")
        limits = {
            action: parse_rate_limit(f"{action}={documents.string(spec, f'limits.{action}')}")[1]
            for action, spec in documents.mapping(document.get("limits", {}) or {}, "limits").items()
        }
        limiter.enabled = enabled
        limiter.limits.update(limits)
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
            return refusal(request, str(exc), exc.status, exc.code)
        except (InventoryError, ValueError, KeyError, TypeError, OverflowError) as exc:
            if not request.path.startswith("/_emulator/"):
                raise
            message = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            return refusal(request, message, 400, "InvalidParameter")
        return response

    app.middlewares.append(admin_errors)
    app.add_routes(routes)
