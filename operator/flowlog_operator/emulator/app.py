"""The aiohttp application: the Alibaba RPC endpoint on ``/`` (and STS on ``/sts``), plus admin routes.

A request to ``/`` is routed to STS when its Version is ``2015-04-01``; any
request to ``/sts`` is STS. Each call goes through, in order: parameter merge,
call counting, fault injection, version and action lookup, authentication, flow
control, the handler, (for a change) the state file, and a lost answer when the
fault injector chose one for this write. Whatever fails, the
answer is JSON in the Alibaba error shape, never a plain-text page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web

from flowlog_operator.emulator import admin
from flowlog_operator.emulator.actions import (
    STS_ACTIONS,
    STS_VERSION,
    VPC_ACTIONS,
    VPC_VERSION,
    ActionContext,
)
from flowlog_operator.emulator.auth import SignedRequest
from flowlog_operator.emulator.errors import RETRY_AFTER_HEADER, ApiError, error_document
from flowlog_operator.emulator.faults import LOST_DROP, LOST_TIMEOUT, FaultDecision
from flowlog_operator.emulator.runtime import EmulatorRuntime
from flowlog_operator.emulator.signatures import parse_v3_authorization
from flowlog_operator.emulator.wire import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    Params,
    merge_params,
    new_request_id,
    parse_form,
    shown_name,
)

RUNTIME_KEY = web.AppKey("runtime", EmulatorRuntime)
logger = logging.getLogger(__name__)


def json_response(
    body: dict[str, Any], request_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        headers={"Content-Type": JSON_CONTENT_TYPE, "x-acs-request-id": request_id, **(headers or {})},
    )


def error_response(error: ApiError, request_id: str, host: str) -> web.Response:
    body = error_document(error.code, error.message, request_id, host)
    return json_response(body, request_id, error.status, error.headers)


def _throttling(code: str, retry_after_ms: int, detail: str) -> ApiError:
    return ApiError(code, detail, headers={RETRY_AFTER_HEADER: str(retry_after_ms)})


async def _read_params(request: web.Request) -> tuple[dict[str, str], dict[str, str], bytes]:
    body = await request.read()
    query = dict(parse_form(request.rel_url.raw_query_string))
    form: list[tuple[str, str]] = []
    if body and request.content_type == FORM_CONTENT_TYPE:
        form = parse_form(body.decode("utf-8", errors="replace"))
    return query, merge_params(query.items(), form), body


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket with no response at all, as a lost connection would look to the client."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


async def handle_api(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME_KEY]
    arrived = runtime.clock()
    request_id = new_request_id()
    host = request.headers.get("Host", "vpc.aliyuncs.com")
    query, merged, body = await _read_params(request)
    action_name = merged.get("Action") or request.headers.get("x-acs-action")
    version = merged.get("Version") or request.headers.get("x-acs-version")
    if not action_name:
        return error_response(
            ApiError("MissingParameter", "The input parameter Action is not supplied."), request_id, host
        )
    call = runtime.calls.received(action_name, at=arrived, access_key_id=_named_access_key(request, merged))
    outcome: str | None = "OK"  # None once recorded
    try:
        decision = runtime.faults.decide(action_name)
        if decision.delay_seconds and not await runtime.pause(decision.delay_seconds):
            decision = FaultDecision(drop=True)  # stopping: end the call as a dying server would
        if decision.drop:
            outcome = "dropped"
            return _drop_connection(request)
        if decision.error_code:
            if decision.error_code.startswith("Throttling"):
                raise _throttling(decision.error_code, 1000, "(injected fault)")
            raise ApiError(decision.error_code, "(injected fault)")
        try:
            response = _dispatch(runtime, request, request_id, query, merged, body, action_name, version)
        except ApiError as error:
            if decision.lost_answer is None:
                raise
            outcome = error.code
        if decision.lost_answer is not None:
            # Recorded now: the ledger shows what the action did while the caller still waits.
            runtime.calls.finished(call, outcome or "OK", decision.lost_answer)
            outcome = None
            return await _lose_answer(runtime, request, request_id, host, decision)
    except ApiError as error:
        outcome = error.code
        return error_response(error, request_id, host)
    except Exception:
        outcome = "InternalError"
        logger.exception("%s failed", call.action)
        return error_response(ApiError("InternalError", "(emulator fault, see its log)"), request_id, host)
    finally:
        if outcome is not None:
            runtime.calls.finished(call, outcome)
    return response


async def _lose_answer(
    runtime: EmulatorRuntime, request: web.Request, request_id: str, host: str, decision: FaultDecision
) -> web.StreamResponse:
    """The action ran and its effect is kept; the caller gets no usable answer."""
    if decision.lost_answer == LOST_TIMEOUT:
        await runtime.pause(decision.hold_seconds)  # cut short when the emulator stops
        return _drop_connection(request)
    if decision.lost_answer == LOST_DROP:
        return _drop_connection(request)
    return error_response(ApiError(str(decision.lost_answer), "(injected fault)"), request_id, host)


def _named_access_key(request: web.Request, merged: dict[str, str]) -> str:
    """The AccessKey ID a call names (V3 ``Authorization`` or RPC ``AccessKeyId``), not yet verified."""
    parsed = parse_v3_authorization(request.headers.get("Authorization", ""))
    return parsed.access_key_id if parsed is not None else merged.get("AccessKeyId", "")


def _dispatch(
    runtime: EmulatorRuntime,
    request: web.Request,
    request_id: str,
    query: dict[str, str],
    merged: dict[str, str],
    body: bytes,
    action_name: str,
    version: str | None,
) -> web.Response:
    is_sts = request.path.rstrip("/") == "/sts" or version == STS_VERSION
    expected_version, table = (STS_VERSION, STS_ACTIONS) if is_sts else (VPC_VERSION, VPC_ACTIONS)
    if version is None:
        raise ApiError("MissingParameter", "The input parameter Version is not supplied.")
    if version != expected_version:
        raise ApiError(
            "InvalidVersion", f"Version {shown_name(version)!r}: this endpoint serves {expected_version}."
        )
    action = table.get(action_name)
    if action is None:
        raise ApiError(
            "InvalidAction.NotFound",
            f"Action {shown_name(action_name)!r} does not exist in {expected_version}.",
        )
    principal = None
    if action.signed:
        signed = SignedRequest(
            request.method, request.path, query, merged, list(request.headers.items()), body
        )
        principal = runtime.authenticator.authenticate(signed)
    retry_after_ms = runtime.limiter.check(action_name, time.monotonic())
    if retry_after_ms is not None:
        raise _throttling(
            "Throttling.User",
            retry_after_ms,
            f"{action_name} is limited to {runtime.limiter.limits[action_name]}.",
        )
    now = runtime.clock()
    runtime.state.settle(now)
    context = ActionContext(Params(merged), runtime.state, now, principal, request_id, runtime.config)
    result = action.handler(context)
    if action.mutating:
        runtime.persist()
    return json_response({"RequestId": request_id, **result}, request_id)


_HTTP_CODES = {404: "NotFound", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge"}


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The last resort: whatever goes wrong, the answer is JSON in the Alibaba error shape."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "InvalidParameter" if exc.status < 500 else "InternalError")
        return admin.refusal(request, f"{exc.reason}: {request.method} {request.path[:80]}", exc.status, code)
    except Exception:
        logger.exception("%s %s failed", request.method, request.path[:80])
        return admin.refusal(request, "The emulator failed; see its log.", 500, "InternalError")
    return response


def build_app(runtime: EmulatorRuntime) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024, middlewares=[json_errors])
    app[RUNTIME_KEY] = runtime
    admin.add_routes(app, RUNTIME_KEY)
    for path in ("/", "/sts", "/sts/"):
        app.router.add_route("GET", path, handle_api)
        app.router.add_route("POST", path, handle_api)
    return app
