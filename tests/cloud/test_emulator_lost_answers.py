"""Lost answers: a write action runs and keeps its effect, then the caller gets no usable answer.

This is the fault that duplicates resources for a client that retries blindly: CreateFlowLog
succeeded, but the client saw a dropped connection, a timeout or a 5xx.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from flowlog_operator.emulator import triggers
from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

REGION = {"RegionId": "cn-hangzhou"}
CREATE = {**triggers.base_params(), "Tag.1.Key": "team", "Tag.1.Value": "net"}
TAGGING = {**REGION, "ResourceType": "FLOWLOG"}


@dataclass
class Write:
    """One write action: how to prepare for it, its parameters, and how to see that it took effect."""

    params: Callable[[str], dict[str, str]]
    took_effect: Callable[[EmulatorProcess, str], bool]
    needs: str = "Active"  # the state the flow log must be in first; "" for no flow log at all


def described(emulator: EmulatorProcess) -> dict[str, Any]:
    [flowlog] = emulator.flowlogs()
    return flowlog


def tags_of(emulator: EmulatorProcess) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in described(emulator)["Tags"]["Tag"]}


WRITES: dict[str, Write] = {
    "CreateFlowLog": Write(lambda _: CREATE, lambda emulator, _: len(emulator.flowlogs()) == 1, needs=""),
    "DeleteFlowLog": Write(
        lambda fl: {**REGION, "FlowLogId": fl},
        lambda emulator, _: emulator.flowlogs() == [] or described(emulator)["Status"] == "Deleting",
    ),
    "ModifyFlowLogAttribute": Write(
        lambda fl: {**REGION, "FlowLogId": fl, "Description": "changed"},
        lambda emulator, _: described(emulator)["Description"] == "changed",
    ),
    "DeactiveFlowLog": Write(
        lambda fl: {**REGION, "FlowLogId": fl},
        lambda emulator, _: described(emulator)["Status"] in {"Deactivating", "Inactive"},
    ),
    "ActiveFlowLog": Write(
        lambda fl: {**REGION, "FlowLogId": fl},
        lambda emulator, _: described(emulator)["Status"] in {"Activating", "Active"},
        needs="Inactive",
    ),
    "TagResources": Write(
        lambda fl: {**TAGGING, "ResourceId.1": fl, "Tag.1.Key": "env", "Tag.1.Value": "prod"},
        lambda emulator, _: tags_of(emulator).get("env") == "prod",
    ),
    "UnTagResources": Write(
        lambda fl: {**TAGGING, "ResourceId.1": fl, "TagKey.1": "team"},
        lambda emulator, _: "team" not in tags_of(emulator),
    ),
    "MoveResourceGroup": Write(
        lambda fl: {**TAGGING, "ResourceId": fl, "NewResourceGroupId": "rg-moved01"},
        lambda emulator, _: described(emulator)["ResourceGroupId"] == "rg-moved01",
    ),
    "OpenFlowLogService": Write(
        lambda _: REGION, lambda emulator, _: emulator.account()["service_enabled"] is True, needs="closed"
    ),
}


def prepare(emulator: EmulatorProcess, caller: RawCaller, write: Write) -> str:
    """Bring the account to what the write needs; the flow log's ID, if any."""
    if write.needs == "closed":
        emulator.set_account({"service_enabled": False})
        return ""
    if not write.needs:
        return ""
    flow_log_id = str(caller.call("CreateFlowLog", CREATE)["FlowLogId"])
    emulator.wait_for_status(flow_log_id, "Active")
    if write.needs == "Inactive":
        caller.call("DeactiveFlowLog", {**REGION, "FlowLogId": flow_log_id})
        emulator.wait_for_status(flow_log_id, "Inactive")
    return flow_log_id


def lost_answer_faults(action: str, mode: str, **extra: Any) -> dict[str, Any]:
    return {"lost_answer_rates": {mode: 1.0}, "actions": [action], **extra}


@pytest.mark.parametrize("mode", ["drop", "InternalError", "ServiceUnavailable"])
@pytest.mark.parametrize("action", list(WRITES))
def test_every_write_action_takes_effect_and_then_loses_its_answer(
    module_emulator: EmulatorProcess, shared_caller: RawCaller, action: str, mode: str
) -> None:
    emulator, caller, write = module_emulator, shared_caller, WRITES[action]
    flow_log_id = prepare(emulator, caller, write)
    emulator.clear_calls()
    emulator.set_faults(lost_answer_faults(action, mode))

    if mode == "drop":
        with pytest.raises(httpx.RemoteProtocolError):
            caller.rpc(action, write.params(flow_log_id))
    else:
        answer = caller.rpc(action, write.params(flow_log_id))
        status = {"InternalError": 500, "ServiceUnavailable": 503}[mode]
        assert (answer.status_code, answer.json()["Code"]) == (status, mode)
        assert {"RequestId", "HostId", "Message", "Recommend"} <= set(answer.json())

    assert write.took_effect(emulator, flow_log_id), f"{action} did not run before its answer was lost"
    assert emulator.calls(detail=True)[action] == {
        "total": 1,
        "outcomes": {"OK": 1},
        "lost_answers": {mode: 1},
    }


def test_a_timeout_holds_the_connection_past_the_client_deadline_after_the_create_ran(
    module_emulator: EmulatorProcess, shared_caller: RawCaller
) -> None:
    module_emulator.set_faults(lost_answer_faults("CreateFlowLog", "timeout", lost_answer_hold_seconds=2))
    with RawCaller(module_emulator.url) as impatient:
        impatient.http.timeout = httpx.Timeout(0.5)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            impatient.rpc("CreateFlowLog", CREATE)
        assert time.monotonic() - started < 2
    [flowlog] = module_emulator.flowlogs()
    assert flowlog["ResourceId"] == CREATE["ResourceId"]
    detail = module_emulator.calls(detail=True)["CreateFlowLog"]
    assert detail == {"total": 1, "outcomes": {"OK": 1}, "lost_answers": {"timeout": 1}}
    # The client that retries finds the resource taken: the duplicate a blind retry makes.
    module_emulator.set_faults({})
    assert shared_caller.rpc("CreateFlowLog", CREATE).json()["Code"] == "InvalidResourceId.NotFound"


def test_a_refused_write_can_lose_its_answer_too_and_keeps_its_outcome(
    module_emulator: EmulatorProcess, shared_caller: RawCaller
) -> None:
    module_emulator.set_faults(lost_answer_faults("CreateFlowLog", "SystemBusy"))
    answer = shared_caller.rpc("CreateFlowLog", {**CREATE, "TrafficType": "Everything"})
    assert (answer.status_code, answer.json()["Code"]) == (503, "SystemBusy")
    assert module_emulator.flowlogs() == []
    detail = module_emulator.calls(detail=True)["CreateFlowLog"]
    assert detail == {"total": 1, "outcomes": {"ParameterInvalid": 1}, "lost_answers": {"SystemBusy": 1}}


def test_reads_never_lose_their_answer(module_emulator: EmulatorProcess, shared_caller: RawCaller) -> None:
    module_emulator.set_faults({"lost_answer_rates": {"drop": 0.5, "InternalError": 0.5}})
    for _ in range(20):
        assert shared_caller.rpc("DescribeFlowLogs", REGION).status_code == 200
        assert shared_caller.rpc("GetFlowLogServiceStatus", REGION).status_code == 200
    assert "lost_answers" not in module_emulator.calls(detail=True)["DescribeFlowLogs"]


def test_lost_answer_rates_share_one_roll_with_the_other_faults(
    module_emulator: EmulatorProcess, shared_caller: RawCaller
) -> None:
    """30 % in all, half of it after the action: reproducible with a seed, and every kind shows up."""
    settings = {
        "error_rates": {"ServiceUnavailable": 0.1},
        "drop_rate": 0.05,
        "lost_answer_rates": {"drop": 0.05, "InternalError": 0.1},
        "actions": ["ModifyFlowLogAttribute"],
        "seed": 11,
    }
    flow_log_id = prepare(module_emulator, shared_caller, WRITES["ModifyFlowLogAttribute"])

    def run() -> dict[str, Any]:
        module_emulator.clear_calls()
        module_emulator.set_faults(settings)
        for index in range(200):
            with contextlib.suppress(httpx.RemoteProtocolError):
                shared_caller.rpc(
                    "ModifyFlowLogAttribute", {**REGION, "FlowLogId": flow_log_id, "Description": f"d{index}"}
                )
        return dict(module_emulator.calls(detail=True)["ModifyFlowLogAttribute"])

    first, second = run(), run()
    assert first == second
    outcomes, lost = first["outcomes"], first["lost_answers"]
    assert set(outcomes) == {"OK", "ServiceUnavailable", "dropped"}
    assert set(lost) == {"drop", "InternalError"}
    assert 140 - 30 <= outcomes["OK"] - sum(lost.values()) <= 140 + 30  # answered OK: about 70 %
    assert 15 <= sum(lost.values()) <= 50  # lost after running: about 15 %


@pytest.mark.parametrize(
    ("settings", "naming"),
    [
        (
            {"lost_answer_rates": {"Throttling.User": 0.1}},
            "lost_answer_rates: unknown modes 'Throttling.User'",
        ),
        ({"lost_answer_rates": {"InvalidParameter": 0.1}}, "use drop, timeout or a 5xx code"),
        ({"lost_answer_rates": {"drop": 1.5}}, "lost_answer_rates.drop"),
        ({"lost_answer_rates": {"drop": "0.1"}}, "lost_answer_rates.drop"),
        ({"lost_answer_rates": ["drop"]}, "lost_answer_rates must be a JSON object"),
        ({"lost_answer_rates": {"drop": 0.6}, "drop_rate": 0.5}, "must sum to at most 1"),
        ({"lost_answer_hold_seconds": 0}, "lost_answer_hold_seconds must be more than 0"),
        ({"lost_answer_hold_seconds": 601}, "lost_answer_hold_seconds"),
    ],
)
def test_bad_lost_answer_settings_are_refused_naming_the_field(
    module_emulator: EmulatorProcess, settings: dict[str, Any], naming: str
) -> None:
    module_emulator.reset()
    refused = httpx.post(f"{module_emulator.url}/_emulator/faults", json=settings)
    assert refused.status_code == 400
    assert refused.json()["Code"] == "InvalidParameter"
    assert naming in refused.json()["Message"]
    assert module_emulator.faults()["lost_answer_rates"] == {}


def test_lost_answers_from_the_command_line_are_reported(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory(
        "--fault-lost-answer",
        "timeout=0.2",
        "--fault-lost-answer",
        "ServiceUnavailable=0.1",
        "--fault-lost-answer-hold",
        "3",
        "--fault-drop-rate",
        "0.1",
    )
    faults = emulator.faults()
    assert faults["lost_answer_rates"] == {"timeout": 0.2, "ServiceUnavailable": 0.1}
    assert (faults["lost_answer_hold_seconds"], faults["drop_rate"]) == (3.0, 0.1)


def test_sigterm_ends_a_held_connection_at_once(emulator: EmulatorProcess) -> None:
    emulator.set_faults(lost_answer_faults("CreateFlowLog", "timeout", lost_answer_hold_seconds=600))
    seen: dict[str, str] = {}

    def create() -> None:
        with RawCaller(emulator.url) as caller:
            caller.http.timeout = httpx.Timeout(60.0)
            try:
                seen["status"] = str(caller.rpc("CreateFlowLog", CREATE).status_code)
            except httpx.HTTPError as error:
                seen["error"] = type(error).__name__

    holding = threading.Thread(target=create, daemon=True)
    holding.start()
    wait_for(lambda: len(emulator.flowlogs()) == 1, 10, "the create to run")
    started = time.monotonic()
    emulator.stop(timeout=30)
    stopped_in = time.monotonic() - started
    holding.join(timeout=10)
    assert stopped_in < 5, f"SIGTERM took {stopped_in:.1f} s with a held connection"
    assert seen == {"error": "RemoteProtocolError"}, seen
