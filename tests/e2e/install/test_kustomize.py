"""``kubectl apply -k manifests/`` installs a working operator, as the Helm chart does.

The operator runs with only a token of the kustomize base's ServiceAccount and the Deployment's settings,
takes a sample FlowLog to Active and deletes it; Secrets stay out of its reach. The samples' own
kustomization applies all three samples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from install_support import Cluster, can_i, documents, operator_deployment

from support.controlplane import token_kubeconfig, wait_for
from support.election import holder_name
from support.emulator import EmulatorProcess
from support.flowlogs import ROOT, SAMPLES, FlowLogs, install_crd
from support.operator import OperatorProcess

MANIFESTS = ROOT / "manifests"
INSTALL_NAMESPACE = "flowlog-system"


@pytest.fixture
def kustomize_install(control_plane: Cluster) -> Iterator[list[dict[str, Any]]]:
    """Apply the base; afterwards delete what it created except the CRD (other tests' FlowLogs use it)."""
    built = documents(control_plane.kubectl("kustomize", str(MANIFESTS)).stdout)
    result = control_plane.kubectl("apply", "-k", str(MANIFESTS))
    assert "customresourcedefinition.apiextensions.k8s.io/flowlogs.vpc.alicloud.io" in result.stdout
    yield built
    leftovers = [doc for doc in built if doc["kind"] != "CustomResourceDefinition"]
    control_plane.kubectl(
        "delete",
        "--ignore-not-found",
        "--wait=false",
        "-f",
        "-",
        input=yaml.safe_dump_all(leftovers),
        check=False,
    )


def test_apply_k_installs_a_working_operator(
    control_plane: Cluster,
    namespace: str,
    kustomize_install: list[dict[str, Any]],
    installed_operator: Callable[[str, str, dict[str, Any]], OperatorProcess],
    cloud: EmulatorProcess,
    tmp_path: Path,
) -> None:
    control_plane.kubectl("wait", "--for=condition=Established", "crd/flowlogs.vpc.alicloud.io")
    deployment = operator_deployment(kustomize_install)
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    live = control_plane.kubectl(
        "get", "deployment", "flowlog-operator", "-n", INSTALL_NAMESPACE, "-o", "yaml"
    )
    assert yaml.safe_load(live.stdout)["spec"]["strategy"]["type"] == "RollingUpdate"
    operator = installed_operator(INSTALL_NAMESPACE, account, deployment)
    wait_for(lambda: operator.health()["leader"] is True, 30, "the operator to take its Lease")
    assert holder_name(control_plane, INSTALL_NAMESPACE) != ""

    flowlogs = FlowLogs(control_plane, namespace)
    flowlogs.apply_file(SAMPLES / "flowlog-vswitch.yaml")
    try:
        obj = flowlogs.wait_active("vsw-hz-dev-a", timeout=60)
    except TimeoutError as error:
        raise AssertionError(f"{error}\noperator log:\n{operator.tail()}") from None
    assert cloud.flowlog(obj["status"]["flowLogId"])["Status"] == "Active"
    flowlogs.delete("vsw-hz-dev-a")
    flowlogs.wait_gone("vsw-hz-dev-a", timeout=60)
    assert cloud.flowlogs() == []

    token = token_kubeconfig(control_plane, INSTALL_NAMESPACE, account, tmp_path / "probe.kubeconfig")
    denied = control_plane.kubectl("get", "secrets", "-n", INSTALL_NAMESPACE, kubeconfig=token, check=False)
    assert "Forbidden" in denied.stderr, denied.stderr
    assert not can_i(control_plane, token, "create", "flowlogs.vpc.alicloud.io", "-n", namespace)


def test_samples_apply_with_k_and_with_f(control_plane: Cluster, namespace: str) -> None:
    # Server-side dry runs: the CRD validates every sample, and -f ignores the folder's Kustomization.
    install_crd(control_plane)
    by_k = control_plane.kubectl("apply", "--dry-run=server", "-n", namespace, "-k", str(SAMPLES))
    by_f = control_plane.kubectl("apply", "--dry-run=server", "-n", namespace, "-f", str(SAMPLES))
    assert sorted(by_k.stdout.splitlines()) == sorted(by_f.stdout.splitlines())
    assert len(by_f.stdout.splitlines()) == len(list(SAMPLES.glob("*.yaml")))
