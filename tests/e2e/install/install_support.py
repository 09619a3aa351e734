"""Helpers of the install tests: rendered manifests, settings of the operator Deployment, RBAC probes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from support.controlplane import ControlPlane, ExistingCluster
from support.flowlogs import ROOT

CHART = ROOT / "charts" / "flowlog-operator"
Cluster = ControlPlane | ExistingCluster
# Set by OperatorProcess for this machine (free loopback ports); the rendered 0.0.0.0:8080 would collide.
LOCAL_SETTINGS = {"FLOWLOG_HEALTH_ADDRESS", "FLOWLOG_METRICS_ADDRESS"}


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def operator_deployment(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = [
        doc
        for doc in docs
        if doc["kind"] == "Deployment"
        and doc["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "operator"
    ]
    return deployment


def plain_settings(deployment: dict[str, Any]) -> dict[str, str]:
    """The Deployment's literal env values (settings), without secret references or local addresses."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {
        item["name"]: str(item["value"])
        for item in container.get("env", [])
        if "value" in item and item["name"] not in LOCAL_SETTINGS
    }


def can_i(cluster: Cluster, kubeconfig: Path, *args: str) -> bool:
    """``kubectl auth can-i`` as the identity of ``kubeconfig`` (exit 0: yes, 1: no)."""
    result = cluster.kubectl("auth", "can-i", *args, kubeconfig=kubeconfig, check=False)
    if result.returncode not in (0, 1):
        raise AssertionError(f"kubectl auth can-i {' '.join(args)} failed: {result.stderr}")
    return result.returncode == 0


def events_json(cluster: Cluster, namespace: str, name: str) -> list[dict[str, Any]]:
    result = cluster.kubectl(
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        f"involvedObject.kind=FlowLog,involvedObject.name={name}",
        "-o",
        "json",
    )
    return list(json.loads(result.stdout)["items"])


@dataclass
class Release:
    """One ``helm install`` of the chart, uninstalled at teardown."""

    cluster: Cluster
    name: str
    namespace: str
    install: Any = None
    uninstalled: bool = False
    extra_namespaces: list[str] = field(default_factory=list)

    def manifest(self) -> list[dict[str, Any]]:
        return documents(self.cluster.helm("get", "manifest", self.name, "-n", self.namespace).stdout)

    def deployment(self) -> dict[str, Any]:
        return operator_deployment(self.manifest())

    def service_account(self) -> str:
        return str(self.deployment()["spec"]["template"]["spec"]["serviceAccountName"])

    def uninstall(self) -> Any:
        self.uninstalled = True
        return self.cluster.helm("uninstall", self.name, "-n", self.namespace, "--wait", "--timeout", "60s")
