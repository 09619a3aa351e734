"""Deletions finish even when the cloud cannot be reached or refuses everything.

A region that does not exist, revoked credentials (``Forbidden.RAM`` on every call) and an endpoint
that does not answer: an object for which no flow log was ever created is released without any cloud
call, and so is one with ``deletionPolicy: Retain`` (its flow log stays). A deletion that does need
the cloud waits, says why in its Ready condition, and editing the policy to Retain releases it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, condition, manifest
from support.operator import OperatorProcess

REVOKED = {"error_rates": {"Forbidden.RAM": 1.0}}


def _break(cloud: EmulatorProcess, how: str) -> None:
    if how == "revoked":
        cloud.set_faults(REVOKED)
    elif how == "unreachable":
        cloud.stop()


def _synced_reason(obj: dict[str, object]) -> str:
    return str(condition(obj, "Synced").get("reason", ""))  # type: ignore[arg-type]


@pytest.fixture
def operator(operator_factory: Callable[..., OperatorProcess], namespace: str) -> OperatorProcess:
    return operator_factory(namespaces=(namespace,))


@pytest.mark.parametrize("how", ["region-typo", "revoked", "unreachable"])
def test_an_object_whose_flow_log_was_never_created_is_released_without_the_cloud(
    how: str, operator: OperatorProcess, cloud: EmulatorProcess, flowlogs: FlowLogs
) -> None:
    spec = {"regionId": "cn-hangzou"} if how == "region-typo" else {}
    if how != "region-typo":
        _break(cloud, how)
    flowlogs.apply(manifest("never", **spec))
    failed = flowlogs.wait(
        "never",
        lambda obj: _synced_reason(obj) not in {"", "Creating"},
        "the create to fail",
    )
    assert not (failed.get("status") or {}).get("flowLogId")

    flowlogs.delete("never")
    flowlogs.wait_gone("never", timeout=60)
    if how != "unreachable":
        assert cloud.flowlogs() == []
        assert "DeleteFlowLog" not in cloud.calls()
    assert operator.running, operator.tail()


@pytest.mark.parametrize("how", ["revoked", "unreachable"])
def test_retain_releases_a_recorded_flow_log_without_the_cloud(
    how: str, operator: OperatorProcess, cloud: EmulatorProcess, flowlogs: FlowLogs
) -> None:
    flowlogs.apply(manifest("kept", deletionPolicy="Retain"))
    flow_log_id = flowlogs.wait_active("kept")["status"]["flowLogId"]
    _break(cloud, how)

    flowlogs.delete("kept")
    flowlogs.wait_gone("kept", timeout=60)
    if how == "revoked":  # a stopped emulator has nothing to show
        cloud.set_faults({})
        assert [fl["FlowLogId"] for fl in cloud.flowlogs()] == [flow_log_id]
        assert "DeleteFlowLog" not in cloud.calls()
    assert operator.running, operator.tail()


def test_retain_for_a_typo_region_releases_without_the_cloud(
    operator: OperatorProcess, cloud: EmulatorProcess, flowlogs: FlowLogs
) -> None:
    flowlogs.apply(manifest("typo", regionId="cn-hangzou", deletionPolicy="Retain"))
    flowlogs.wait("typo", lambda obj: _synced_reason(obj) not in {"", "Creating"}, "the create to fail")
    cloud.clear_calls()
    flowlogs.delete("typo")
    flowlogs.wait_gone("typo", timeout=60)
    assert not set(cloud.calls()) - {"CreateFlowLog"}, "the deletion called the cloud"


def test_a_deletion_the_cloud_refuses_says_how_to_get_out_and_retain_releases_it(
    operator: OperatorProcess, cloud: EmulatorProcess, flowlogs: FlowLogs
) -> None:
    flowlogs.apply(manifest("stuck"))
    flow_log_id = flowlogs.wait_active("stuck")["status"]["flowLogId"]
    cloud.set_faults(REVOKED)

    flowlogs.delete("stuck")
    blocked = flowlogs.wait(
        "stuck",
        lambda obj: condition(obj, "Ready").get("reason") == "Forbidden.RAM",
        "Ready=False naming Forbidden.RAM",
    )
    ready = condition(blocked, "Ready")
    assert ready["status"] == "False"
    assert "spec.deletionPolicy to Retain" in ready["message"]

    flowlogs.patch("stuck", {"spec": {"deletionPolicy": "Retain"}})
    flowlogs.wait_gone("stuck", timeout=60)
    cloud.set_faults({})
    assert [fl["FlowLogId"] for fl in cloud.flowlogs()] == [flow_log_id]
