"""Hostile or careless input: every answer is an Alibaba-shaped error, and memory stays bounded.

Each input here once answered a plain-text 500, was silently accepted, hung the emulator or
grew its memory without bound; each now answers JSON ``{RequestId, HostId, Code, Message,
Recommend}`` with a sensible HTTP status and a message naming the parameter or field.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowlog_operator.emulator import triggers
from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

REGION = {"RegionId": "cn-hangzhou"}
CREATE = {**triggers.base_params()}
LIST_TAGS = {"ResourceType": "FLOWLOG", "Tag.1.Key": "env"}
MIB = 1024 * 1024


def assert_alibaba_error(response: httpx.Response, status: int, code: str, naming: str) -> dict[str, Any]:
    """JSON in the Alibaba error shape, with this status and code, and a message naming ``naming``."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json"), response.text[:300]
    body: dict[str, Any] = response.json()
    assert {"RequestId", "HostId", "Code", "Message", "Recommend"} <= set(body), body
    assert body["Code"] == code, body
    assert naming in body["Message"], body
    assert len(body["Message"]) < 400, "the message repeats the whole input"
    return body


def post_admin(emulator: EmulatorProcess, path: str, raw_json: str) -> httpx.Response:
    return httpx.post(
        f"{emulator.url}/_emulator/{path}",
        content=raw_json.encode(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


def resident_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("needs /proc to read the emulator's resident memory")
    line = next(row for row in status.read_text().splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


# Memory


def test_unknown_action_names_share_one_ledger_entry_and_leave_memory_bounded(
    emulator: EmulatorProcess,
) -> None:
    """Unauthenticated calls with one-MiB action names: 48 of them once added about 55 MiB."""
    assert emulator.pid is not None

    def send(count: int, start: int) -> None:
        with httpx.Client(timeout=30) as http:
            for index in range(start, start + count):
                name = f"{index}{'A' * MIB}"
                response = http.post(emulator.url, data={"Action": name, "Version": "2016-04-28"})
                assert_alibaba_error(response, 400, "InvalidAction.NotFound", "Action")

    send(8, 0)  # warm up: buffers of this size are allocated once
    before = resident_mib(emulator.pid)
    send(40, 8)
    grown = resident_mib(emulator.pid) - before

    assert emulator.calls() == {"(unknown action)": 48}
    assert grown < 12, f"resident memory grew {grown:.1f} MiB over 40 one-MiB action names"


# Admin routes


@pytest.mark.parametrize(
    "path", ["faults", "account", "inventory", "rate-limits", "flowlogs/fl-none"], ids=lambda p: p
)
def test_deeply_nested_json_on_an_admin_route_answers_an_alibaba_error(
    emulator: EmulatorProcess, path: str
) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    body = assert_alibaba_error(post_admin(emulator, path, nested), 400, "InvalidParameter", "body")
    assert body["error"] == body["Message"]  # the admin interface's own key is kept
    assert emulator.faults()["error_rates"] == {}  # still serving


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ('{"flowlog_quota": 1e400}', "whole number"),
        ('{"flowlog_quota": 12345678901234567890}', "between 0 and"),
        ('{"flowlog_quota": -1}', "between 0 and"),
        ('{"flowlog_quota": 2.5}', "whole number"),
        ('{"flowlog_quota": "10"}', "whole number"),
        ('{"flowlog_quota": true}', "whole number"),
    ],
)
def test_an_impossible_quota_is_refused_naming_the_field_and_changes_nothing(
    emulator: EmulatorProcess, raw: str, why: str
) -> None:
    body = assert_alibaba_error(
        post_admin(emulator, "account", raw), 400, "InvalidParameter", "flowlog_quota"
    )
    assert why in body["Message"]
    assert emulator.account()["flowlog_quota"] == 50


@pytest.mark.parametrize("field", ["service_enabled", "user_defined_traffic_path", "service_opened_by_call"])
@pytest.mark.parametrize("value", ['"false"', '"true"', "0", "1", "null"])
def test_account_switches_take_json_booleans_only(emulator: EmulatorProcess, field: str, value: str) -> None:
    before = emulator.account()[field]
    raw = f'{{"{field}": {value}}}'
    assert_alibaba_error(post_admin(emulator, "account", raw), 400, "InvalidParameter", field)
    assert emulator.account()[field] == before


def test_a_refused_account_document_changes_none_of_its_fields(emulator: EmulatorProcess) -> None:
    raw = '{"flowlog_quota": 7, "service_enabled": "false"}'
    assert_alibaba_error(post_admin(emulator, "account", raw), 400, "InvalidParameter", "service_enabled")
    assert emulator.account()["flowlog_quota"] == 50


def test_service_enabled_false_as_a_json_boolean_closes_the_service(emulator: EmulatorProcess) -> None:
    assert emulator.set_account({"service_enabled": False})["service_enabled"] is False
    with RawCaller(emulator.url) as caller:
        refused = caller.rpc("CreateFlowLog", CREATE)
    assert_alibaba_error(refused, 400, "OptInRequired.FlowLog", "OpenFlowLogService")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"latency_ms": Infinity}', "latency_ms"),
        ('{"latency_ms": NaN}', "latency_ms"),
        ('{"latency_ms": -Infinity}', "latency_ms"),
        ('{"latency_ms": 1e400}', "latency_ms"),
        ('{"latency_jitter_ms": NaN}', "latency_jitter_ms"),
        ('{"latency_ms": "10"}', "latency_ms"),
        ('{"drop_rate": NaN}', "drop_rate"),
        ('{"error_rates": {"InternalError": NaN}}', "error_rates.InternalError"),
        ('{"error_rates": []}', "error_rates"),
        ('{"seed": 1.5}', "seed"),
        ('{"actions": "CreateFlowLog"}', "actions"),
    ],
)
def test_non_finite_or_mistyped_fault_settings_are_refused_naming_the_field(
    emulator: EmulatorProcess, raw: str, field: str
) -> None:
    assert_alibaba_error(post_admin(emulator, "faults", raw), 400, "InvalidParameter", field)
    assert emulator.faults()["latency_ms"] == 0.0
    with RawCaller(emulator.url) as caller:
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200  # nothing hangs


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"enabled": "false"}', "enabled"),
        ('{"limits": {"DescribeFlowLogs": 5}}', "limits.DescribeFlowLogs"),
        ('{"limits": {"NoSuchAction": "5/1"}}', "unknown action"),
        ('{"limits": {"DescribeFlowLogs": "٥/1"}}', "DescribeFlowLogs"),
    ],
)
def test_rate_limit_settings_are_read_with_their_json_types(
    emulator: EmulatorProcess, raw: str, field: str
) -> None:
    assert_alibaba_error(post_admin(emulator, "rate-limits", raw), 400, "InvalidParameter", field)
    assert emulator.rate_limits()["enabled"] is True
    assert emulator.rate_limits()["limits"]["DescribeFlowLogs"] == "600/60"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"AggregationInterval": 1e400}', "AggregationInterval"),
        ('{"Status": ["Active"]}', "Status"),
        ('{"Tags": "env=dev"}', "Tags"),
        ('{"Description": 5}', "Description"),
    ],
)
def test_out_of_band_edits_are_read_with_their_json_types(
    emulator: EmulatorProcess, raw: str, field: str
) -> None:
    with RawCaller(emulator.url) as caller:
        flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    assert_alibaba_error(post_admin(emulator, f"flowlogs/{flow_log_id}", raw), 400, "InvalidParameter", field)


def test_an_inventory_with_an_impossible_number_is_refused_naming_the_field(
    emulator: EmulatorProcess,
) -> None:
    raw = '{"traffic_analyzers": [{"id": "tf-x", "region": "cn-hangzhou", "aggregation_interval": 1e400}]}'
    assert_alibaba_error(
        post_admin(emulator, "inventory", raw), 400, "InvalidParameter", "aggregation_interval"
    )


def test_unknown_routes_and_methods_answer_json(emulator: EmulatorProcess) -> None:
    assert_alibaba_error(httpx.get(f"{emulator.url}/_emulator/nothing-here"), 404, "NotFound", "/_emulator/")
    assert_alibaba_error(httpx.delete(f"{emulator.url}/"), 405, "MethodNotAllowed", "DELETE")


# API parameters


def test_a_tag_index_of_thousands_of_digits_is_refused_naming_the_parameter(
    emulator: EmulatorProcess,
) -> None:
    with RawCaller(emulator.url) as caller:
        response = caller.rpc("CreateFlowLog", {**CREATE, f"Tag.{'1' * 5000}.Key": "k"}, form_body=True)
    assert_alibaba_error(response, 400, "INVALID_PARAMETER", "Tag.1111")
    assert emulator.flowlogs() == []


@pytest.mark.parametrize(
    ("action", "extra", "code", "naming"),
    [
        (
            "CreateFlowLog",
            {"AggregationInterval": "¹"},
            "IllegalParam.AggregationInterval",
            "AggregationInterval",
        ),
        (
            "CreateFlowLog",
            {"AggregationInterval": "١"},
            "IllegalParam.AggregationInterval",
            "AggregationInterval",
        ),
        (
            "CreateFlowLog",
            {"AggregationInterval": "１０"},
            "IllegalParam.AggregationInterval",
            "AggregationInterval",
        ),
        ("CreateFlowLog", {"Tag.١.Key": "k"}, "INVALID_PARAMETER", "Tag.١"),
        ("CreateFlowLog", {"TrafficPath.٢": "all"}, "IllegalParam.TrafficPath", "TrafficPath.٢"),
        ("DescribeFlowLogs", {"PageSize": "٥"}, "InvalidParameter", "PageSize"),
        ("DescribeFlowLogs", {"PageNumber": "1_0"}, "InvalidParameter", "PageNumber"),
        ("DescribeFlowLogs", {"PageSize": " 5"}, "InvalidParameter", "PageSize"),
        ("ListTagResources", {**LIST_TAGS, "NextToken": "¹"}, "InvalidParameter", "NextToken"),
        ("ListTagResources", {**LIST_TAGS, "MaxResults": "٥"}, "InvalidParameter", "MaxResults"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={v}" for k, v in v.items()),
)
def test_numbers_must_be_written_in_ascii_digits(
    emulator: EmulatorProcess, action: str, extra: dict[str, str], code: str, naming: str
) -> None:
    base = CREATE if action == "CreateFlowLog" else REGION
    with RawCaller(emulator.url) as caller:
        response = caller.rpc(action, {**base, **extra}, form_body=True)
    assert_alibaba_error(response, 400, code, naming)
    assert emulator.flowlogs() == []


# Stopping


def test_sigterm_stops_at_once_while_a_call_waits_out_injected_latency(emulator: EmulatorProcess) -> None:
    emulator.set_faults({"latency_ms": 600_000})  # the largest latency accepted: ten minutes
    outcome: dict[str, object] = {}

    def call() -> None:
        with RawCaller(emulator.url) as caller:
            try:
                outcome["status"] = caller.rpc("DescribeFlowLogs", REGION).status_code
            except httpx.HTTPError as error:
                outcome["error"] = type(error).__name__

    waiting = threading.Thread(target=call, daemon=True)
    waiting.start()
    wait_for(lambda: emulator.calls().get("DescribeFlowLogs") == 1, 10, "the call reached the emulator")
    started = time.monotonic()
    emulator.stop(timeout=30)
    stopped_in = time.monotonic() - started
    waiting.join(timeout=10)

    assert stopped_in < 5, f"SIGTERM took {stopped_in:.1f} s with a call in an injected pause"
    assert outcome == {"error": "RemoteProtocolError"}, outcome
