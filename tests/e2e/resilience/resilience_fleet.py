"""Helpers of the resilience suite: a fleet of FlowLogs, the emulator's arguments, kill schedules."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import Cluster, is_active, manifest
from support.resilience import SEVERAL_PER_RESOURCE

OWNER_TAG = "flowlog-operator/owner-uid"
# The operator paces itself well below the emulator's buckets (300 creates, 600 reads at once), so a crash
# test is about crashes, not about waiting for tokens: about ten creates a second.
OPERATOR_ENV = {
    "FLOWLOG_RATE_LIMITS": json.dumps({"CreateFlowLog": 600, "DeleteFlowLog": 600, "DescribeFlowLogs": 1200}),
    "FLOWLOG_RESYNC_SECONDS": "30",
}


def emulator_args(state_dir: Path | None = None) -> list[str]:
    """One-second transitions, room for thousands, and a second flow log per resource accepted."""
    args = ["--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1"]
    args += ["--quota", "5000", SEVERAL_PER_RESOURCE]
    if state_dir is not None:
        args += ["--state-file", str(state_dir / "emulator-state.json")]
    return args


def grow_inventory(cloud: EmulatorProcess, count: int, prefix: str = "vpc-res") -> list[str]:
    ids = [f"{prefix}-{i}" for i in range(count)]
    cloud.merge_inventory({"vpcs": [{"id": vpc, "region": "cn-hangzhou", "vswitches": []} for vpc in ids]})
    return ids


class Fleet:
    """``count`` FlowLogs in one namespace, one VPC each; kubectl for the objects, admin API for the cloud."""

    def __init__(self, cluster: Cluster, namespace: str, cloud: EmulatorProcess, count: int, prefix: str):
        self.cluster = cluster
        self.namespace = namespace
        self.cloud = cloud
        self.count = count
        self.prefix = prefix
        self.resources = grow_inventory(cloud, count, f"vpc-{prefix}")

    def apply_all(self) -> None:
        items = [manifest(f"{self.prefix}-{i}", resourceId=r) for i, r in enumerate(self.resources)]
        text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})
        self.cluster.kubectl("apply", "-n", self.namespace, "-f", "-", input=text, timeout=120)

    def delete_all(self) -> None:
        self.cluster.kubectl("delete", "flowlogs", "--all", "-n", self.namespace, "--wait=false", timeout=120)

    def objects(self) -> list[dict[str, Any]]:
        out = self.cluster.kubectl("get", "flowlogs", "-n", self.namespace, "-o", "json", timeout=60).stdout
        return list(json.loads(out)["items"])

    def cloud_flowlogs(self) -> list[dict[str, Any]]:
        return self.cloud.flowlogs()

    def cloud_count(self, *, excluding_deleting: bool = False) -> int:
        logs = self.cloud_flowlogs()
        if excluding_deleting:
            logs = [fl for fl in logs if fl["Status"] != "Deleting"]
        return len(logs)

    def wait_all_active(self, timeout: float) -> list[dict[str, Any]]:
        seen: dict[str, Any] = {}

        def done() -> bool:
            objects = self.objects()
            seen["objects"] = objects
            return len(objects) == self.count and all(is_active(obj) for obj in objects)

        try:
            wait_for(done, timeout, f"all {self.count} FlowLogs Active", interval=1)
        except TimeoutError as error:
            objects = seen.get("objects") or []
            stuck = [(o["metadata"]["name"], o.get("status")) for o in objects if not is_active(o)][:3]
            raise TimeoutError(f"{error}; {len(objects)} objects, not active e.g. {stuck}") from None
        return list(seen["objects"])

    def wait_all_gone(self, timeout: float) -> None:
        def gone() -> bool:
            names = self.cluster.kubectl("get", "flowlogs", "-n", self.namespace, "-o", "name").stdout
            return not names.strip()

        wait_for(gone, timeout, f"every FlowLog of {self.namespace} deleted", interval=1)

    def assert_exactly_one_active_flow_log_each(self, objects: list[dict[str, Any]]) -> None:
        in_cloud = self.cloud_flowlogs()
        owners = [{t["Key"]: t["Value"] for t in fl["Tags"]["Tag"]}.get(OWNER_TAG) for fl in in_cloud]
        uids = {obj["metadata"]["uid"] for obj in objects}
        several = {owner: n for owner, n in Counter(owners).items() if n > 1}
        creates = self.cloud.calls(detail=True).get("CreateFlowLog")
        assert len(in_cloud) == self.count, (
            f"{len(in_cloud)} flow logs in the cloud, want {self.count}; owners with several: {several}; "
            f"CreateFlowLog {creates}"
        )
        assert len(set(owners)) == self.count, f"some object owns two flow logs: {several}"
        assert set(owners) == uids, "a flow log is owned by no object of the fleet"
        assert {fl["Status"] for fl in in_cloud} == {"Active"}
        by_id = {fl["FlowLogId"]: owner for fl, owner in zip(in_cloud, owners, strict=True)}
        for obj in objects:
            assert by_id.get(obj["status"]["flowLogId"]) == obj["metadata"]["uid"], obj["metadata"]["name"]


def kill_schedule(rng: random.Random, kills: int, low: int, high: int) -> list[int]:
    """``kills`` distinct progress marks in [low, high), ascending: kill once progress reaches each."""
    return sorted(rng.sample(range(low, high), kills))
