"""The Helm chart on a real API server: lint, server-side validation, schema refusals, and installs that work.

A ``helm install`` of the chart, then the operator run with only a token of the chart's ServiceAccount
(so only the chart's RBAC applies) takes a sample FlowLog to Active and deletes it, for the cluster-wide and
the namespaced scope; a request outside the chart's rights is Forbidden. Bad values fail with the message in
the fixture's ``# expect:`` line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from install_support import CHART, Cluster, Release, can_i, documents, events_json

from support.controlplane import token_kubeconfig
from support.election import read_lease
from support.emulator import EmulatorProcess
from support.flowlogs import ROOT, SAMPLES, FlowLogs, install_crd
from support.operator import OperatorProcess

VALUES = ROOT / "tests" / "fixtures" / "helm-values"
SAMPLE = SAMPLES / "flowlog-vpc.yaml"
SAMPLE_NAME = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["metadata"]["name"]


def expected_error(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <message>'"
    return first.removeprefix("# expect: ")


def test_helm_lint_passes_with_defaults_and_every_valid_values_file(control_plane: Cluster) -> None:
    result = control_plane.helm("lint", "--strict", str(CHART))
    assert "0 chart(s) failed" in result.stdout
    for values in sorted((VALUES / "valid").glob("*.yaml")):
        result = control_plane.helm("lint", "--strict", str(CHART), "-f", str(values), check=False)
        assert result.returncode == 0, f"{values.name}: {result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    "values",
    [None, *sorted((VALUES / "valid").glob("*.yaml"))],
    ids=lambda v: "defaults" if v is None else v.stem,
)
def test_rendered_chart_is_accepted_by_the_api_server(
    control_plane: Cluster, namespace: str, values: Path | None
) -> None:
    args = ["-f", str(values)] if values else []
    if values and "watch" in yaml.safe_load(values.read_text(encoding="utf-8")):
        # Roles go into the watched namespaces, which must exist for a server-side dry run.
        args += ["--set", f"watch.namespaces={{{namespace}}}"]
    rendered = documents(control_plane.helm("template", "dry", str(CHART), "-n", namespace, *args).stdout)
    # The test cluster has no Prometheus Operator CRDs; the ServiceMonitor's shape is a unit test's job.
    checkable = [doc for doc in rendered if doc["kind"] != "ServiceMonitor"]
    result = control_plane.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=flowlog-install-test",
        "--dry-run=server",
        "-n",
        namespace,
        "-f",
        "-",
        input=yaml.safe_dump_all(checkable),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(server dry run)") == len(checkable), result.stdout
    assert "Warning:" not in result.stderr, result.stderr


def invalid_values() -> list[Any]:
    return [pytest.param(path, id=path.stem) for path in sorted((VALUES / "invalid").glob("*.yaml"))]


def test_there_are_at_least_ten_refused_value_sets() -> None:
    assert len(invalid_values()) >= 10


@pytest.mark.parametrize("values", invalid_values())
def test_bad_values_are_refused_with_a_useful_message(control_plane: Cluster, values: Path) -> None:
    expected = expected_error(values)
    result = control_plane.helm("template", "t", str(CHART), "-f", str(values), check=False)
    assert result.returncode != 0, f"helm template accepted {values.name}"
    assert expected in result.stderr, result.stderr
    if expected.startswith("at '"):
        # Schema refusals stop `helm lint` too (it renders template `fail`s only as INFO lines).
        result = control_plane.helm("lint", str(CHART), "-f", str(values), check=False)
        assert result.returncode != 0, f"helm lint accepted {values.name}"
        assert expected in result.stdout + result.stderr, result.stdout


def take_sample_through_its_life(
    flowlogs: FlowLogs, cloud: EmulatorProcess, operator: OperatorProcess
) -> None:
    flowlogs.apply_file(SAMPLE)
    try:
        obj = flowlogs.wait_active(SAMPLE_NAME, timeout=60)
    except TimeoutError as error:
        raise AssertionError(f"{error}\noperator log:\n{operator.tail()}") from None
    flow_log_id = obj["status"]["flowLogId"]
    assert cloud.flowlog(flow_log_id)["Status"] == "Active"
    reasons = {event["reason"] for event in events_json(flowlogs.cluster, flowlogs.namespace, SAMPLE_NAME)}
    assert "Created" in reasons, f"the operator could not post Events: {reasons}\n{operator.tail()}"
    flowlogs.delete(SAMPLE_NAME)
    flowlogs.wait_gone(SAMPLE_NAME, timeout=60)
    assert all(item["FlowLogId"] != flow_log_id for item in cloud.flowlogs())


def test_cluster_wide_install_runs_the_operator_with_only_its_rbac(
    control_plane: Cluster,
    namespace: str,
    extra_namespace: Callable[[str], str],
    helm_release: Callable[..., Release],
    installed_operator: Callable[[str, str, dict[str, Any]], OperatorProcess],
    cloud: EmulatorProcess,
    tmp_path: Path,
) -> None:
    # The CRD may already be in the cluster (other tests apply it): Helm takes it over, as it would on
    # a cluster where the CRD was applied by hand before switching to the chart.
    release = helm_release("--take-ownership")
    crd = json.loads(control_plane.kubectl("get", "crd", "flowlogs.vpc.alicloud.io", "-o", "json").stdout)
    assert crd["metadata"]["annotations"]["meta.helm.sh/release-name"] == release.name
    control_plane.kubectl("wait", "--for=condition=Established", "crd/flowlogs.vpc.alicloud.io")
    deployment = release.deployment()
    assert "FLOWLOG_NAMESPACES" not in json.dumps(deployment)
    account = release.service_account()
    operator = installed_operator(namespace, account, deployment)

    workload = extra_namespace("workload")
    take_sample_through_its_life(FlowLogs(control_plane, workload), cloud, operator)
    # The chart's Role let the operator create and renew its Lease (it acted, so it leads).
    lease = read_lease(control_plane, namespace)
    assert lease is not None
    assert lease.holder == operator.health()["identity"]

    token = token_kubeconfig(control_plane, namespace, account, tmp_path / "probe.kubeconfig")
    assert can_i(
        control_plane, token, "update", "leases.coordination.k8s.io/flowlog-operator", "-n", namespace
    )
    assert can_i(control_plane, token, "create", "leases.coordination.k8s.io", "-n", namespace)
    assert not can_i(control_plane, token, "update", "leases.coordination.k8s.io/other", "-n", namespace)
    assert not can_i(
        control_plane, token, "delete", "leases.coordination.k8s.io/flowlog-operator", "-n", namespace
    )
    assert not can_i(control_plane, token, "create", "leases.coordination.k8s.io", "-n", workload)
    denied = control_plane.kubectl("get", "secrets", "-n", workload, kubeconfig=token, check=False)
    assert denied.returncode != 0
    assert "Forbidden" in denied.stderr, denied.stderr
    assert can_i(control_plane, token, "watch", "flowlogs.vpc.alicloud.io", "--all-namespaces")
    assert can_i(control_plane, token, "patch", "flowlogs.vpc.alicloud.io/status", "-n", workload)
    for verb_resource in (
        ("get", "secrets"),
        ("list", "configmaps"),
        ("create", "flowlogs.vpc.alicloud.io"),
        ("delete", "flowlogs.vpc.alicloud.io"),
        ("list", "namespaces"),
        ("create", "pods"),
    ):
        assert not can_i(control_plane, token, *verb_resource, "-n", workload), verb_resource

    release.uninstall()
    kept = json.loads(control_plane.kubectl("get", "crd", "flowlogs.vpc.alicloud.io", "-o", "json").stdout)
    assert kept["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert control_plane.kubectl("get", "clusterrole", account, "--ignore-not-found").stdout == ""


def test_namespaced_install_watches_only_its_namespaces(
    control_plane: Cluster,
    namespace: str,
    extra_namespace: Callable[[str], str],
    helm_release: Callable[..., Release],
    installed_operator: Callable[[str, str, dict[str, Any]], OperatorProcess],
    cloud: EmulatorProcess,
    tmp_path: Path,
) -> None:
    install_crd(control_plane)
    watched, other = extra_namespace("watched"), extra_namespace("other")
    release = helm_release("--set", "crds.enabled=false", "--set", f"watch.namespaces={{{watched}}}")
    manifest = release.manifest()
    assert {doc["kind"] for doc in manifest} >= {"Role", "RoleBinding"}
    assert "ClusterRoleBinding" not in {doc["kind"] for doc in manifest}
    deployment = release.deployment()
    account = release.service_account()
    operator = installed_operator(namespace, account, deployment)

    take_sample_through_its_life(FlowLogs(control_plane, watched), cloud, operator)

    token = token_kubeconfig(control_plane, namespace, account, tmp_path / "probe.kubeconfig")
    assert can_i(control_plane, token, "watch", "flowlogs.vpc.alicloud.io", "-n", watched)
    assert not can_i(control_plane, token, "watch", "flowlogs.vpc.alicloud.io", "-n", other)
    assert not can_i(control_plane, token, "list", "flowlogs.vpc.alicloud.io", "--all-namespaces")
    denied = control_plane.kubectl("get", "flowlogs", "-n", other, kubeconfig=token, check=False)
    assert "Forbidden" in denied.stderr, denied.stderr
    denied = control_plane.kubectl("get", "secrets", "-n", watched, kubeconfig=token, check=False)
    assert "Forbidden" in denied.stderr, denied.stderr
