"""Fifty FlowLogs against a cloud that fails 30 % of calls: all Active, no duplicate, no orphan.

A third of the failures strike after the action ran: the call took effect and its answer was lost
(dropped, held past the operator's read timeout, or a 5xx). The emulator accepts several flow logs
per resource, so only the operator's own guard can keep a lost CreateFlowLog answer from becoming a
second flow log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, is_active, manifest
from support.operator import OperatorProcess
from support.resilience import (
    SEVERAL_PER_RESOURCE,
    assert_several_per_resource_allowed,
    failed_calls,
    lost_answers,
    thirty_percent_faults,
)

COUNT = 50
FAULTS = thirty_percent_faults(seed=7)


def not_converged(objects: list[dict[str, Any]], cloud: EmulatorProcess) -> str:
    """What a failure report needs: objects not Active with their conditions, and the cloud's view."""
    stuck = [
        (
            obj["metadata"]["name"],
            obj.get("status", {}).get("flowLogId"),
            [
                (c["type"], c["status"], c.get("reason"), c.get("message", "")[:160])
                for c in obj.get("status", {}).get("conditions", [])
            ],
        )
        for obj in objects
        if not is_active(obj)
    ]
    owners = Counter(
        {t["Key"]: t["Value"] for t in fl["Tags"]["Tag"]}.get("flowlog-operator/owner-uid")
        for fl in cloud.flowlogs()
    )
    doubled = {owner: n for owner, n in owners.items() if n > 1}
    calls = cloud.calls(detail=True)
    return (
        f"{len(stuck)} of {len(objects)} objects not Active, e.g. {stuck[:4]}; "
        f"{sum(owners.values())} flow logs in the cloud, owners with several: {doubled}; "
        f"CreateFlowLog {calls.get('CreateFlowLog')}; lost answers {lost_answers(calls)}"
    )


@pytest.fixture
def cloud() -> Iterator[EmulatorProcess]:
    """One-second transitions; a second flow log on a resource is accepted, and the quota leaves room for it.

    With the quota at 50, a duplicate would show only as another object stuck on QuotaExceeded.
    """
    delays = ("--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1")
    with EmulatorProcess(*delays, "--quota", "5000", SEVERAL_PER_RESOURCE) as emulator:
        assert_several_per_resource_allowed(emulator.account())
        yield emulator


def test_fifty_objects_converge_through_thirty_percent_faults_and_leave_nothing_behind(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    cloud.merge_inventory(
        {"vpcs": [{"id": f"vpc-load-{i}", "region": "cn-hangzhou", "vswitches": []} for i in range(COUNT)]}
    )
    cloud.set_faults(FAULTS)
    operator = operator_factory(namespaces=(namespace,))
    items = [manifest(f"load-{i}", resourceId=f"vpc-load-{i}") for i in range(COUNT)]
    flowlogs.apply(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    seen: list[dict[str, Any]] = []

    def all_active() -> bool:
        listed = flowlogs.cluster.kubectl("get", "flowlogs", "-n", namespace, "-o", "yaml").stdout
        seen[:] = yaml.safe_load(listed)["items"]
        return len(seen) == COUNT and all(is_active(obj) for obj in seen)

    try:
        wait_for(all_active, 300, "all fifty FlowLogs Active", interval=1)
    except TimeoutError as error:
        raise AssertionError(
            f"{error}\n{not_converged(seen, cloud)}\noperator log: {operator.log_path}"
        ) from None
    in_cloud = cloud.flowlogs()
    owners = [
        {t["Key"]: t["Value"] for t in fl["Tags"]["Tag"]}["flowlog-operator/owner-uid"] for fl in in_cloud
    ]
    calls = cloud.calls(detail=True)
    assert len(in_cloud) == COUNT, (
        f"{len(in_cloud)} flow logs for {COUNT} objects; CreateFlowLog {calls['CreateFlowLog']}"
    )
    assert len(set(owners)) == COUNT
    assert calls["CreateFlowLog"]["outcomes"].get("OK") == COUNT, f"CreateFlowLog {calls['CreateFlowLog']}"
    assert failed_calls(calls) > 0, "no fault was injected"
    assert lost_answers(calls), "no answer was lost after its action ran"

    flowlogs.cluster.kubectl("delete", "flowlogs", "--all", "-n", namespace, "--wait=false")
    wait_for(
        lambda: not flowlogs.cluster.kubectl("get", "flowlogs", "-n", namespace, "-o", "name").stdout.strip(),
        300,
        "every FlowLog deleted",
        interval=1,
    )
    assert cloud.flowlogs() == []
