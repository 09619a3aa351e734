"""Fifty FlowLogs against a cloud that fails 30 % of calls: all Active, no duplicate, no orphan."""

from __future__ import annotations

from collections.abc import Callable

import yaml

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, is_active, manifest
from support.operator import OperatorProcess

COUNT = 50
FAULTS = {
    "error_rates": {"Throttling.User": 0.1, "ServiceUnavailable": 0.05, "InternalError": 0.05},
    "drop_rate": 0.1,
    "seed": 7,
}


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
    operator_factory(namespaces=(namespace,))
    items = [manifest(f"load-{i}", resourceId=f"vpc-load-{i}") for i in range(COUNT)]
    flowlogs.apply(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))

    def all_active() -> bool:
        listed = flowlogs.cluster.kubectl("get", "flowlogs", "-n", namespace, "-o", "yaml").stdout
        objects = yaml.safe_load(listed)["items"]
        return len(objects) == COUNT and all(is_active(obj) for obj in objects)

    wait_for(all_active, 300, "all fifty FlowLogs Active", interval=1)
    in_cloud = cloud.flowlogs()
    owners = [
        {t["Key"]: t["Value"] for t in fl["Tags"]["Tag"]}["flowlog-operator/owner-uid"] for fl in in_cloud
    ]
    assert len(in_cloud) == COUNT
    assert len(set(owners)) == COUNT
    faulted = cloud.calls(detail=True)
    assert sum(a["total"] - a["outcomes"].get("OK", 0) for a in faulted.values()) > 0, "no fault was injected"

    flowlogs.cluster.kubectl("delete", "flowlogs", "--all", "-n", namespace, "--wait=false")
    wait_for(
        lambda: not flowlogs.cluster.kubectl("get", "flowlogs", "-n", namespace, "-o", "name").stdout.strip(),
        300,
        "every FlowLog deleted",
        interval=1,
    )
    assert cloud.flowlogs() == []
