"""Several flow logs per resource: refused by default as the cloud does, accepted on request.

The resilience suites run with the refusal lifted, so only the operator's own guard can keep a
resource from getting a second flow log.
"""

from __future__ import annotations

from collections.abc import Callable

from flowlog_operator.emulator import triggers
from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

FLAG = "--allow-several-flowlogs-per-resource"
FIELD = "allow_several_flowlogs_per_resource"
CREATE = {**triggers.base_params(), "ResourceType": "VPC", "ResourceId": "vpc-hz-prod"}


def on_the_resource(caller: RawCaller) -> list[str]:
    body = caller.call("DescribeFlowLogs", {"RegionId": "cn-hangzhou", "ResourceId": CREATE["ResourceId"]})
    return [fl["FlowLogId"] for fl in body["FlowLogs"]["FlowLog"]]


def test_by_default_a_second_flow_log_on_a_resource_is_refused_as_the_cloud_does(
    emulator: EmulatorProcess,
) -> None:
    assert emulator.account()[FIELD] is False
    with RawCaller(emulator.url) as caller:
        first = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
        second = caller.rpc("CreateFlowLog", CREATE)
        assert (second.status_code, second.json()["Code"]) == (400, "InvalidResourceId.NotFound")
        assert on_the_resource(caller) == [first]


def test_the_flag_accepts_a_second_flow_log_on_the_same_resource(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory(FLAG)
    assert emulator.account()[FIELD] is True
    with RawCaller(emulator.url) as caller:
        first = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
        second = caller.call("CreateFlowLog", {**CREATE, "FlowLogName": "again"})["FlowLogId"]
        assert first != second
        assert on_the_resource(caller) == [first, second]
    assert emulator.calls(detail=True)["CreateFlowLog"]["outcomes"] == {"OK": 2}


def test_the_account_field_switches_it_at_run_time_and_reset_restores_the_configured_value(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    strict, lenient = emulator_factory(), emulator_factory(FLAG)
    assert strict.set_account({FIELD: True})[FIELD] is True
    with RawCaller(strict.url) as caller:
        caller.call("CreateFlowLog", CREATE)
        caller.call("CreateFlowLog", CREATE)
        strict.set_account({FIELD: False})
        refused = caller.rpc("CreateFlowLog", CREATE)
        assert refused.json()["Code"] == "InvalidResourceId.NotFound"
        assert len(on_the_resource(caller)) == 2
    strict.reset()
    assert strict.account()[FIELD] is False
    lenient.set_account({FIELD: False})
    lenient.reset()
    assert lenient.account()[FIELD] is True


def test_the_traffic_path_rule_still_holds_when_several_are_allowed(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory(FLAG)
    with RawCaller(emulator.url) as caller:
        caller.call("CreateFlowLog", CREATE)
        partial = caller.rpc("CreateFlowLog", {**CREATE, "TrafficPath.1": "internetGateway"})
    assert (partial.status_code, partial.json()["Code"]) == (
        400,
        "OperationDenied.AllTrafficPathOfManagedExist",
    )
    assert len(emulator.flowlogs()) == 1
