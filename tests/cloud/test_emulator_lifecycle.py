"""The flow log state machine: transient states last their configured delay, and guard mutations."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

REGION = "cn-hangzhou"
CREATE = {
    "RegionId": REGION,
    "ResourceType": "VPC",
    "ResourceId": "vpc-hz-dev",
    "TrafficType": "All",
    "ProjectName": "flowlog-hz",
    "LogStoreName": "flowlog-store",
}


def status(caller: RawCaller, flow_log_id: str) -> str | None:
    found = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    return found[0]["Status"] if found else None


def wait_for(caller: RawCaller, flow_log_id: str, wanted: str | None, timeout: float = 10.0) -> float:
    """Seconds it took to observe ``wanted``."""
    started = time.monotonic()
    while status(caller, flow_log_id) != wanted:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{flow_log_id} never became {wanted}")
        time.sleep(0.02)
    return time.monotonic() - started


def error_code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["Code"]


def test_transitions_take_the_configured_delays(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--activation-delay", "0.6", "--deactivation-delay", "0.4", fast=False)
    caller = RawCaller(emulator.url)
    started = time.monotonic()
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    assert status(caller, flow_log_id) == "Activating"
    wait_for(caller, flow_log_id, "Active")
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    caller.call("DeactiveFlowLog", {"RegionId": REGION, "FlowLogId": flow_log_id})
    assert status(caller, flow_log_id) == "Deactivating"
    wait_for(caller, flow_log_id, "Inactive")
    assert time.monotonic() - started >= 0.4
    caller.close()


def test_zero_delay_makes_a_new_flow_log_active_at_once(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory("--activation-delay", "0", fast=False)
    caller = RawCaller(emulator.url)
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    assert status(caller, flow_log_id) == "Active"
    caller.close()


def test_mutations_in_transient_states_are_refused_with_incorrect_status(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    ident = {"RegionId": REGION, "FlowLogId": flow_log_id}
    for action, extra in [
        ("ModifyFlowLogAttribute", {"Description": "x"}),
        ("DeactiveFlowLog", {}),
        ("ActiveFlowLog", {}),
        ("DeleteFlowLog", {}),
    ]:
        assert error_code(caller.rpc(action, {**ident, **extra})) == (400, "IncorrectStatus.flowlog"), action
    wait_for(caller, flow_log_id, "Active")
    caller.call("DeleteFlowLog", ident)
    assert status(caller, flow_log_id) == "Deleting"
    assert error_code(caller.rpc("DeleteFlowLog", ident)) == (400, "IncorrectStatus.flowlog")
    wait_for(caller, flow_log_id, None)


def test_repeating_active_or_deactive_in_the_target_state_is_a_no_op(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    ident = {"RegionId": REGION, "FlowLogId": flow_log_id}
    wait_for(caller, flow_log_id, "Active")
    caller.call("ActiveFlowLog", ident)
    assert status(caller, flow_log_id) == "Active"
    caller.call("DeactiveFlowLog", ident)
    wait_for(caller, flow_log_id, "Inactive")
    caller.call("DeactiveFlowLog", ident)
    assert status(caller, flow_log_id) == "Inactive"


def test_an_inactive_flow_log_can_be_deleted(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    ident = {"RegionId": REGION, "FlowLogId": flow_log_id}
    wait_for(caller, flow_log_id, "Active")
    caller.call("DeactiveFlowLog", ident)
    wait_for(caller, flow_log_id, "Inactive")
    caller.call("DeleteFlowLog", ident)
    wait_for(caller, flow_log_id, None)


def test_id_taking_calls_on_unknown_ids_are_not_found_but_describe_is_empty(caller: RawCaller) -> None:
    ident = {"RegionId": REGION, "FlowLogId": "fl-doesnotexist"}
    for action in ("ModifyFlowLogAttribute", "ActiveFlowLog", "DeactiveFlowLog", "DeleteFlowLog"):
        assert error_code(caller.rpc(action, ident)) == (400, "InvalidFlowLogId.NotFound"), action
    body = caller.call("DescribeFlowLogs", ident)
    assert (body["TotalCount"], body["FlowLogs"]["FlowLog"]) == ("0", [])


def test_a_flow_log_is_only_visible_in_its_own_region(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
    other = {"RegionId": "cn-shanghai", "FlowLogId": flow_log_id}
    assert caller.call("DescribeFlowLogs", other)["FlowLogs"]["FlowLog"] == []
    assert error_code(caller.rpc("DeleteFlowLog", other)) == (400, "InvalidFlowLogId.NotFound")


def test_modify_changes_only_the_given_attributes(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", {**CREATE, "FlowLogName": "before", "Description": "keep"})[
        "FlowLogId"
    ]
    wait_for(caller, flow_log_id, "Active")
    caller.call(
        "ModifyFlowLogAttribute",
        {
            "RegionId": REGION,
            "FlowLogId": flow_log_id,
            "FlowLogName": "after",
            "AggregationInterval": "1",
            "IpVersion": "dualstack",
        },
    )
    [described] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    assert (described["FlowLogName"], described["Description"]) == ("after", "keep")
    assert (described["AggregationInterval"], described["IpVersion"]) == (1, "DualStack")


def test_the_service_switch_opens_once(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--service-disabled")
    caller = RawCaller(emulator.url)
    region = {"RegionId": REGION}
    assert caller.call("GetFlowLogServiceStatus", region)["Enabled"] is False
    assert error_code(caller.rpc("CreateFlowLog", CREATE)) == (400, "OptInRequired.FlowLog")
    assert caller.call("OpenFlowLogService", region)["Code"] == "200"
    assert caller.call("GetFlowLogServiceStatus", region)["Enabled"] is True
    assert error_code(caller.rpc("OpenFlowLogService", region)) == (
        400,
        "OperationFailed.ExceedPurchaseLimit",
    )
    caller.call("CreateFlowLog", CREATE)
    caller.close()


def test_the_quota_counts_flow_logs_per_region(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--quota", "1")
    caller = RawCaller(emulator.url)
    caller.call("CreateFlowLog", CREATE)
    second = {**CREATE, "ResourceId": "vpc-hz-prod"}
    assert error_code(caller.rpc("CreateFlowLog", second)) == (400, "QuotaExceeded.FlowlogCount")
    caller.call(
        "CreateFlowLog",
        {**CREATE, "RegionId": "cn-shanghai", "ResourceId": "vpc-sh-dev", "ProjectName": "flowlog-sh"},
    )
    caller.close()
