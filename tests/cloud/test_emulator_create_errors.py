"""Every CreateFlowLog error code of the official table is reachable exactly as README.md documents.

The cases come from ``create_error_triggers.yaml``; one emulator serves them all,
reset before each case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowlog_operator.emulator import triggers
from flowlog_operator.emulator.errors import CREATE_FLOWLOG_CODES
from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

README = Path(triggers.__file__).with_name("README.md")
TRIGGERS = triggers.create_error_triggers()


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--activation-delay", "0") as process:
        yield process


def test_the_trigger_table_covers_every_code_of_the_official_table_once() -> None:
    codes = [trigger.code for trigger in TRIGGERS]
    assert sorted(codes) == sorted(CREATE_FLOWLOG_CODES)
    assert len(CREATE_FLOWLOG_CODES) == 35


def test_the_readme_carries_the_generated_table() -> None:
    assert triggers.markdown_table() in README.read_text()


def test_the_base_parameters_alone_create_a_flow_log(shared_emulator: EmulatorProcess) -> None:
    shared_emulator.reset()
    caller = RawCaller(shared_emulator.url)
    assert caller.call("CreateFlowLog", triggers.base_params())["FlowLogId"].startswith("fl-")
    caller.close()


@pytest.mark.parametrize("trigger", TRIGGERS, ids=[t.code for t in TRIGGERS])
def test_create_error_is_reachable_as_documented(
    shared_emulator: EmulatorProcess, trigger: triggers.CreateErrorTrigger
) -> None:
    shared_emulator.reset()
    if trigger.account:
        shared_emulator.set_account(trigger.account)
    if trigger.inventory:
        shared_emulator.merge_inventory(trigger.inventory)
    caller = RawCaller(shared_emulator.url)
    if trigger.precreate:
        caller.call("CreateFlowLog", triggers.base_params())
    response = caller.rpc("CreateFlowLog", triggers.request_params(trigger))
    caller.close()
    body = response.json()
    assert (response.status_code, body["Code"]) == (400, trigger.code), body
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert len(shared_emulator.flowlogs()) == (1 if trigger.precreate else 0)
