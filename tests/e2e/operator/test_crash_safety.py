"""SIGKILL at the dangerous moments, then a restart: exactly one flow log per object, adopted.

The operator kills itself through a test-only failpoint right after a cloud call returned and
before its result reached the API server, the moment at which ACK duplicates resources and
Crossplane waits for a human. The emulator accepts several flow logs per resource, so a second
create after the restart would succeed: only the operator's own guard prevents it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, manifest
from support.operator import OperatorProcess
from support.resilience import SEVERAL_PER_RESOURCE, assert_several_per_resource_allowed


@pytest.fixture
def cloud() -> Iterator[EmulatorProcess]:
    """One-second transitions; a second flow log on a resource is accepted, not refused."""
    with EmulatorProcess(
        "--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1", SEVERAL_PER_RESOURCE
    ) as emulator:
        assert_several_per_resource_allowed(emulator.account())
        yield emulator


def events_of(flowlogs: FlowLogs, name: str) -> str:
    return flowlogs.cluster.kubectl(
        "get",
        "events",
        "-n",
        flowlogs.namespace,
        "--field-selector",
        f"involvedObject.name={name}",
        "-o",
        "jsonpath={.items[*].reason}",
    ).stdout


def test_kill_right_after_create_then_restart_adopts_without_a_second_create(
    operator_factory: Callable[..., OperatorProcess],
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    namespace: str,
) -> None:
    operator = operator_factory(namespaces=(namespace,), failpoints="after-CreateFlowLog")
    flowlogs.apply(manifest("crash"))
    operator.wait_exit(timeout=90)
    assert len(cloud.flowlogs()) == 1
    assert not (flowlogs.get("crash") or {}).get("status", {}).get("flowLogId")
    operator.failpoints = ""
    operator.start()
    obj = flowlogs.wait_active("crash")
    assert cloud.calls()["CreateFlowLog"] == 1
    assert [fl["FlowLogId"] for fl in cloud.flowlogs()] == [obj["status"]["flowLogId"]]
    assert "Adopted" in events_of(flowlogs, "crash")


@pytest.mark.parametrize(
    ("failpoint", "edit"),
    [
        ("after-DeactiveFlowLog", {"spec": {"enabled": False}}),
        ("after-ModifyFlowLogAttribute", {"spec": {"description": "after the crash"}}),
        ("after-TagResources", {"spec": {"tags": {"team": "net"}}}),
    ],
)
def test_kill_right_after_an_update_call_then_restart_converges(
    operator_factory: Callable[..., OperatorProcess],
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    namespace: str,
    failpoint: str,
    edit: dict[str, object],
) -> None:
    operator = operator_factory(namespaces=(namespace,), failpoints=failpoint)
    flowlogs.apply(manifest("edited"))
    flowlogs.wait_active("edited")
    flowlogs.patch("edited", edit)
    operator.wait_exit(timeout=90)
    operator.failpoints = ""
    operator.start()
    flowlogs.wait(
        "edited",
        lambda o: (
            o["status"].get("observedGeneration") == o["metadata"]["generation"]
            and o["status"].get("cloudStatus") in {"Active", "Inactive"}
        ),
        "the edit applied after the restart",
    )
    assert len(cloud.flowlogs()) == 1
    assert cloud.calls()["CreateFlowLog"] == 1


def test_kill_right_after_delete_then_restart_releases_the_object(
    operator_factory: Callable[..., OperatorProcess],
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    namespace: str,
) -> None:
    operator = operator_factory(namespaces=(namespace,), failpoints="after-DeleteFlowLog")
    flowlogs.apply(manifest("doomed"))
    flowlogs.wait_active("doomed")
    flowlogs.delete("doomed")
    operator.wait_exit(timeout=90)
    assert flowlogs.get("doomed") is not None  # the finalizer holds it while nobody runs
    operator.failpoints = ""
    operator.start()
    flowlogs.wait_gone("doomed")
    assert cloud.flowlogs() == []
    assert cloud.calls()["DeleteFlowLog"] == 1


def test_kill_after_create_of_many_objects_at_once_leaves_exactly_one_each(
    operator_factory: Callable[..., OperatorProcess],
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
    namespace: str,
) -> None:
    resources = [vpc["id"] for vpc in cloud.inventory()["vpcs"] if vpc["region"] == "cn-hangzhou"]
    operator = operator_factory(namespaces=(namespace,), failpoints="after-CreateFlowLog")
    for index, resource in enumerate(resources):
        flowlogs.apply(manifest(f"many-{index}", resourceId=resource))
    operator.wait_exit(timeout=90)
    operator.failpoints = ""
    operator.start()
    ids = {flowlogs.wait_active(f"many-{index}")["status"]["flowLogId"] for index in range(len(resources))}
    assert len(ids) == len(resources)
    assert sorted(fl["FlowLogId"] for fl in cloud.flowlogs()) == sorted(ids)


@pytest.mark.parametrize("lost", ["InternalError", "ServiceUnavailable", "drop", "timeout"])
def test_a_create_whose_answer_is_lost_after_it_ran_is_found_by_tag_not_sent_again(
    lost: str,
    operator_factory: Callable[..., OperatorProcess],
    cloud: EmulatorProcess,
    flowlogs: FlowLogs,
    namespace: str,
) -> None:
    """The cloud creates the flow log, then answers 5xx, drops the connection or never answers."""
    cloud.set_faults(
        {"lost_answer_rates": {lost: 1.0}, "actions": ["CreateFlowLog"], "lost_answer_hold_seconds": 12}
    )
    operator_factory(namespaces=(namespace,))
    flowlogs.apply(manifest("lost-answer"))
    wait_for(lambda: "CreateFlowLog" in cloud.calls(), 60, "the create")
    cloud.set_faults({})

    obj = flowlogs.wait_active("lost-answer", timeout=120)
    calls = cloud.calls(detail=True)
    assert calls["CreateFlowLog"]["total"] == 1, "the create was sent again"
    assert calls["CreateFlowLog"]["lost_answers"] == {lost: 1}
    assert [fl["FlowLogId"] for fl in cloud.flowlogs()] == [obj["status"]["flowLogId"]]
    assert "Adopted" in events_of(flowlogs, "lost-answer")
