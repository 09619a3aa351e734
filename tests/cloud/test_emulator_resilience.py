"""Flow control (Throttling.User with x-acs-retry-after) and fault injection (errors, latency, drops)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

REGION = {"RegionId": "cn-hangzhou"}


def test_an_exhausted_bucket_answers_throttling_user_with_retry_after(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory("--rate-limit", "DescribeFlowLogs=3/60")
    with RawCaller(emulator.url) as caller:
        assert [caller.rpc("DescribeFlowLogs", REGION).status_code for _ in range(3)] == [200] * 3
        throttled = caller.rpc("DescribeFlowLogs", REGION)
        assert (throttled.status_code, throttled.json()["Code"]) == (400, "Throttling.User")
        retry_after = int(throttled.headers["x-acs-retry-after"])
        assert 1 <= retry_after <= 20_000  # one token per 20 s
        # Other actions have their own buckets.
        assert caller.rpc("GetFlowLogServiceStatus", REGION).status_code == 200
    detail = emulator.calls(detail=True)["DescribeFlowLogs"]
    assert detail == {"total": 4, "outcomes": {"OK": 3, "Throttling.User": 1}}


def test_a_bucket_refills_over_time(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--rate-limit", "DescribeFlowLogs=1/0.3")
    with RawCaller(emulator.url) as caller:
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200
        throttled = caller.rpc("DescribeFlowLogs", REGION)
        assert throttled.status_code == 400
        deadline = time.monotonic() + 5
        while caller.rpc("DescribeFlowLogs", REGION).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_no_rate_limits_switches_flow_control_off(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--rate-limit", "DescribeFlowLogs=1/60", "--no-rate-limits")
    with RawCaller(emulator.url) as caller:
        assert {caller.rpc("DescribeFlowLogs", REGION).status_code for _ in range(5)} == {200}
    assert emulator.rate_limits()["enabled"] is False


def test_the_default_limits_follow_the_reference(emulator: EmulatorProcess) -> None:
    limits = emulator.rate_limits()["limits"]
    assert (limits["DeactiveFlowLog"], limits["ModifyFlowLogAttribute"]) == ("600/60", "600/60")
    assert (limits["CreateFlowLog"], limits["DescribeFlowLogs"]) == ("300/60", "600/60")


@pytest.mark.parametrize(
    ("code", "status"), [("Throttling.User", 400), ("ServiceUnavailable", 503), ("InternalError", 500)]
)
def test_injected_errors_carry_their_http_status(emulator: EmulatorProcess, code: str, status: int) -> None:
    emulator.set_faults({"error_rates": {code: 1.0}})
    with RawCaller(emulator.url) as caller:
        response = caller.rpc("DescribeFlowLogs", REGION)
    assert (response.status_code, response.json()["Code"]) == (status, code)
    assert ("x-acs-retry-after" in response.headers) is code.startswith("Throttling")


def test_error_rates_are_reproducible_with_a_seed(emulator: EmulatorProcess) -> None:
    def outcomes() -> list[int]:
        emulator.set_faults({"error_rates": {"ServiceUnavailable": 0.3, "InternalError": 0.2}, "seed": 7})
        with RawCaller(emulator.url) as caller:
            return [caller.rpc("DescribeFlowLogs", REGION).status_code for _ in range(60)]

    first, second = outcomes(), outcomes()
    assert first == second
    assert {200, 500, 503} == set(first)
    assert 10 <= first.count(503) <= 30


def test_faults_can_be_restricted_to_some_actions(emulator: EmulatorProcess) -> None:
    emulator.set_faults({"error_rates": {"InternalError": 1.0}, "actions": ["CreateFlowLog"]})
    with RawCaller(emulator.url) as caller:
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200
        assert caller.rpc("CreateFlowLog", REGION).status_code == 500
    assert emulator.flowlogs() == []


def test_latency_is_added(emulator: EmulatorProcess) -> None:
    with RawCaller(emulator.url) as caller:
        emulator.set_faults({"latency_ms": 300})
        started = time.monotonic()
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_dropped_connections_close_without_a_response_and_are_counted(emulator: EmulatorProcess) -> None:
    emulator.set_faults({"drop_rate": 1.0})
    with RawCaller(emulator.url) as caller, pytest.raises(httpx.RemoteProtocolError):
        caller.rpc("DescribeFlowLogs", REGION)
    assert emulator.calls(detail=True)["DescribeFlowLogs"]["outcomes"] == {"dropped": 1}
    emulator.set_faults({})
    with RawCaller(emulator.url) as caller:
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200


def test_faults_from_the_command_line_are_reported_and_replaced_at_run_time(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory(
        "--fault-error", "SystemBusy=1", "--fault-seed", "3", "--fault-actions", "DescribeFlowLogs"
    )
    assert emulator.faults() == {
        "error_rates": {"SystemBusy": 1.0},
        "latency_ms": 0.0,
        "latency_jitter_ms": 0.0,
        "drop_rate": 0.0,
        "lost_answer_rates": {},
        "lost_answer_hold_seconds": 15.0,
        "actions": ["DescribeFlowLogs"],
        "seed": 3,
    }
    with RawCaller(emulator.url) as caller:
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 503
        emulator.set_faults({"error_rates": {}})
        assert caller.rpc("DescribeFlowLogs", REGION).status_code == 200


def test_bad_fault_settings_are_refused(emulator: EmulatorProcess) -> None:
    for bad in ({"error_rates": {"InternalError": 1.5}}, {"error_rates": {"NoSuchCode": 0.1}}, {"drop": 1}):
        response = httpx.post(f"{emulator.url}/_emulator/faults", json=bad)
        assert response.status_code == 400, bad
