"""FlowLog objects through the real kubectl: apply, read, wait on a condition with a deadline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import yaml

from support.controlplane import wait_for

ROOT = Path(__file__).resolve().parents[2]
CRD_PATH = ROOT / "manifests" / "crd" / "flowlogs.vpc.alicloud.io.yaml"
SAMPLES = ROOT / "manifests" / "samples"


class Cluster(Protocol):
    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        kubeconfig: Path | None = None,
        timeout: float = 60,
    ) -> Any: ...


def install_crd(cluster: Cluster) -> None:
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_PATH))
    cluster.kubectl("wait", "--for=condition=Established", "crd/flowlogs.vpc.alicloud.io", "--timeout=60s")


def manifest(name: str, **spec: Any) -> dict[str, Any]:
    """A FlowLog for the emulator's default inventory (vpc-hz-prod unless ``spec`` says otherwise)."""
    base = {
        "regionId": "cn-hangzhou",
        "resourceType": "VPC",
        "resourceId": "vpc-hz-prod",
        "trafficType": "All",
        "projectName": "flowlog-hz",
        "logStoreName": "flowlog-store",
    }
    base.update(spec)
    return {
        "apiVersion": "vpc.alicloud.io/v1alpha1",
        "kind": "FlowLog",
        "metadata": {"name": name},
        "spec": base,
    }


class FlowLogs:
    """kubectl verbs on FlowLogs of one namespace."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace

    def apply(self, document: dict[str, Any] | str, *, check: bool = True) -> Any:
        text = document if isinstance(document, str) else yaml.safe_dump(document)
        return self.cluster.kubectl("apply", "-n", self.namespace, "-f", "-", input=text, check=check)

    def apply_file(self, path: Path) -> Any:
        return self.cluster.kubectl("apply", "-n", self.namespace, "-f", str(path))

    def get(self, name: str) -> dict[str, Any] | None:
        result = self.cluster.kubectl(
            "get", "flowlog", name, "-n", self.namespace, "-o", "json", "--ignore-not-found", check=False
        )
        return json.loads(result.stdout) if result.stdout.strip() else None

    def patch(self, name: str, patch: dict[str, Any], *, check: bool = True) -> Any:
        return self.cluster.kubectl(
            "patch",
            "flowlog",
            name,
            "-n",
            self.namespace,
            "--type=merge",
            "-p",
            json.dumps(patch),
            check=check,
        )

    def annotate(self, name: str, *pairs: str) -> Any:
        return self.cluster.kubectl("annotate", "flowlog", name, "-n", self.namespace, "--overwrite", *pairs)

    def delete(self, name: str, *, wait: bool = False) -> Any:
        return self.cluster.kubectl(
            "delete",
            "flowlog",
            name,
            "-n",
            self.namespace,
            f"--wait={str(wait).lower()}",
            "--ignore-not-found",
        )

    def wait(
        self, name: str, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 90
    ) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        def check() -> bool:
            obj = self.get(name)
            seen["last"] = obj
            return obj is not None and predicate(obj)

        try:
            wait_for(check, timeout, f"{name}: {what}", interval=0.25)
        except TimeoutError as error:
            raise TimeoutError(
                f"{error}; last seen status: {json.dumps((seen.get('last') or {}).get('status'))}"
            ) from None
        return seen["last"]  # type: ignore[no-any-return]

    def wait_gone(self, name: str, timeout: float = 90) -> None:
        wait_for(lambda: self.get(name) is None, timeout, f"{name} to be deleted", interval=0.25)

    def wait_active(self, name: str, timeout: float = 90) -> dict[str, Any]:
        return self.wait(name, is_active, "Active and Ready", timeout)


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    for item in (obj.get("status") or {}).get("conditions") or []:
        if item.get("type") == kind:
            return item  # type: ignore[no-any-return]
    return {}


def is_active(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return bool(
        status.get("cloudStatus") == "Active"
        and status.get("flowLogId")
        and condition(obj, "Ready").get("status") == "True"
        and condition(obj, "Synced").get("status") == "True"
        and status.get("observedGeneration") == obj["metadata"]["generation"]
    )
