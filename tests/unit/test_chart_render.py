"""What the Helm chart renders (real ``helm template``, no cluster), and that the kustomize base agrees.

Pins down: two replicas under leader election, rolled with a standby always up and kept through drains
by a PodDisruptionBudget (or one recreated replica without election), a generous /healthz liveness probe,
memory sized from the measured peak, the restricted security context, least-privilege RBAC for both
scopes (no Secret access at all; one Lease for the election), credentials only through ``secretKeyRef``
or RRSA, the CRD equal to ``flowlog-operator crd`` with the keep policy, the demo emulator wiring, the
optional objects, and ``manifests/`` (kustomize) matching the chart's defaults.
The helm and kubectl binaries come from ``make control-plane``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowlog_operator.model import crd_manifest
from support.controlplane import find_binaries

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "flowlog-operator"
MANIFESTS = REPO / "manifests"
NAMESPACE = "flowlog-system"

OPERATOR_RULES = [
    {
        "apiGroups": ["vpc.alicloud.io"],
        "resources": ["flowlogs"],
        "verbs": ["get", "list", "watch", "patch", "update"],
    },
    {"apiGroups": ["vpc.alicloud.io"], "resources": ["flowlogs/status"], "verbs": ["get", "patch", "update"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
]
LEADER_ELECTION_RULES = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "resourceNames": ["flowlog-operator"],
        "verbs": ["get", "update"],
    },
]
# docs/performance.md: peak RSS of the operator in a burst of creates.
MEASURED_PEAK_BYTES = {1000: 293e6, 3000: 475e6}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


@pytest.fixture(scope="module")
def tools() -> dict[str, Path]:
    return find_binaries(["helm", "kubectl"])


Render = list[dict[str, Any]]


def render(tools: dict[str, Path], *args: str, release: str = "flowlog-operator") -> Render:
    result = subprocess.run(
        [str(tools["helm"]), "template", release, str(CHART), "--namespace", NAMESPACE, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def kinds(docs: Render, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: Render, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [doc for doc in kinds(docs, kind) if name is None or doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} in {[d['kind'] for d in docs]}"
    return found[0]


def operator_deployment(docs: Render) -> dict[str, Any]:
    return one(docs, "Deployment", "flowlog-operator")


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only  # type: ignore[no-any-return]


def env(deployment: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container(deployment)["env"]}


@pytest.fixture(scope="module")
def defaults(tools: dict[str, Path]) -> Render:
    return render(tools)


def test_two_replicas_under_leader_election_rolled_with_a_standby_always_up(defaults: Render) -> None:
    deployment = operator_deployment(defaults)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    assert container(deployment)["args"] == ["run"]
    variables = env(deployment)
    assert variables["FLOWLOG_LEADER_ELECTION"] == "true"
    assert variables["FLOWLOG_LEADER_ELECTION_LEASE_SECONDS"] == "15"
    assert variables["FLOWLOG_LEADER_ELECTION_RENEW_DEADLINE_SECONDS"] == "10"
    assert variables["FLOWLOG_LEADER_ELECTION_RETRY_SECONDS"] == "2"
    assert variables["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert "FLOWLOG_LEADER_ELECTION_NAMESPACE" not in variables, "the pod's own namespace holds the Lease"
    budget = one(defaults, "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"].items() <= (
        deployment["spec"]["template"]["metadata"]["labels"].items()
    )


def test_one_replica_without_election_is_recreated_and_has_no_lease_or_budget(tools: dict[str, Path]) -> None:
    docs = render(tools, "--set", "replicaCount=1", "--set", "leaderElection.enabled=false")
    deployment = operator_deployment(docs)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert not {name for name in env(deployment) if name.startswith("FLOWLOG_LEADER_ELECTION")}
    assert kinds(docs, "PodDisruptionBudget") == []
    assert kinds(docs, "Role") == []


def test_election_timings_are_settings_and_refused_when_they_cannot_fence(tools: dict[str, Path]) -> None:
    docs = render(tools, "--set", "leaderElection.leaseSeconds=30", "--set", "leaderElection.retrySeconds=4")
    variables = env(operator_deployment(docs))
    assert variables["FLOWLOG_LEADER_ELECTION_LEASE_SECONDS"] == "30"
    assert variables["FLOWLOG_LEADER_ELECTION_RETRY_SECONDS"] == "4"
    result = subprocess.run(
        [str(tools["helm"]), "template", "t", str(CHART), "--set", "leaderElection.retrySeconds=10"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert (
        "leaderElection.retrySeconds must be shorter than leaderElection.renewDeadlineSeconds"
        in result.stderr
    )


def test_liveness_probe_on_healthz_8080_with_generous_timeouts(defaults: Render) -> None:
    operator = container(operator_deployment(defaults))
    probe = operator["livenessProbe"]
    assert probe["httpGet"] == {"path": "/healthz", "port": "health"}
    assert {"name": "health", "containerPort": 8080, "protocol": "TCP"} in operator["ports"]
    assert probe["timeoutSeconds"] >= 5
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 60
    assert env(operator_deployment(defaults))["FLOWLOG_HEALTH_ADDRESS"] == "0.0.0.0:8080"


def mebibytes(quantity: str) -> float:
    units = {"Mi": 2**20, "Gi": 2**30}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_memory_limit_leaves_a_quarter_above_the_peak_measured_at_3000_flowlogs(defaults: Render) -> None:
    resources = container(operator_deployment(defaults))["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    limit = mebibytes(resources["limits"]["memory"])
    assert limit >= 1.25 * MEASURED_PEAK_BYTES[3000]
    # The request holds what a leader keeps after a burst of 1,000 creates (the heap does not shrink).
    assert mebibytes(resources["requests"]["memory"]) >= MEASURED_PEAK_BYTES[1000]


def test_restricted_security_context(defaults: Render) -> None:
    pod = operator_deployment(defaults)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container(operator_deployment(defaults))["securityContext"] == RESTRICTED_CONTAINER
    mounts = {m["mountPath"]: m["name"] for m in container(operator_deployment(defaults))["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "read-only root needs a writable /tmp"


def test_metrics_port_and_service(defaults: Render) -> None:
    deployment = operator_deployment(defaults)
    assert {"name": "http-metrics", "containerPort": 9090, "protocol": "TCP"} in container(deployment)[
        "ports"
    ]
    assert env(deployment)["FLOWLOG_METRICS_ADDRESS"] == "0.0.0.0:9090"
    service = one(defaults, "Service", "flowlog-operator-metrics")
    assert service["spec"]["ports"][0]["targetPort"] == "http-metrics"
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_cluster_scope_binds_only_the_least_privilege_rules(defaults: Render) -> None:
    role = one(defaults, "ClusterRole", "flowlog-operator")
    assert role["rules"] == OPERATOR_RULES
    binding = one(defaults, "ClusterRoleBinding", "flowlog-operator")
    assert binding["roleRef"]["name"] == "flowlog-operator"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "flowlog-operator", "namespace": NAMESPACE}
    ]
    assert [role["metadata"]["name"] for role in kinds(defaults, "Role")] == [
        "flowlog-operator-leader-election"
    ]
    assert "FLOWLOG_NAMESPACES" not in env(operator_deployment(defaults))


def test_leader_election_may_touch_only_its_lease_in_the_release_namespace(defaults: Render) -> None:
    role = one(defaults, "Role", "flowlog-operator-leader-election")
    assert role["metadata"]["namespace"] == NAMESPACE
    assert role["rules"] == LEADER_ELECTION_RULES
    binding = one(defaults, "RoleBinding", "flowlog-operator-leader-election")
    assert binding["metadata"]["namespace"] == NAMESPACE
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "flowlog-operator-leader-election",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "flowlog-operator", "namespace": NAMESPACE}
    ]


def test_no_rendered_rule_grants_secrets_or_wildcards(tools: dict[str, Path]) -> None:
    for args in ((), ("--set", "watch.namespaces={a,b}"), ("--set", "emulator.enabled=true")):
        for doc in render(tools, *args):
            for rule in doc.get("rules", []):
                assert "secrets" not in rule["resources"], (args, doc["metadata"]["name"])
                assert "*" not in rule["resources"] + rule["verbs"] + rule["apiGroups"], rule


def test_namespaced_scope_has_a_role_in_each_namespace_and_no_cluster_binding(tools: dict[str, Path]) -> None:
    docs = render(tools, "--set", "watch.namespaces={team-a,team-b}")
    watching = [role for role in kinds(docs, "Role") if role["metadata"]["name"] == "flowlog-operator"]
    roles = {role["metadata"]["namespace"]: role for role in watching}
    assert set(roles) == {"team-a", "team-b"}
    assert all(role["rules"] == OPERATOR_RULES for role in roles.values())
    assert one(docs, "Role", "flowlog-operator-leader-election")["metadata"]["namespace"] == NAMESPACE
    bindings = {
        b["metadata"]["namespace"]: b
        for b in kinds(docs, "RoleBinding")
        if b["metadata"]["name"] == "flowlog-operator"
    }
    assert set(bindings) == {"team-a", "team-b"}
    for binding in bindings.values():
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "flowlog-operator",
        }
        assert binding["subjects"][0]["namespace"] == NAMESPACE
    assert kinds(docs, "ClusterRoleBinding") == []
    # Only the aggregated roles for people remain cluster-wide; nothing binds them to the operator.
    assert {r["metadata"]["name"] for r in kinds(docs, "ClusterRole")} == {
        "flowlog-operator-edit",
        "flowlog-operator-view",
    }
    assert json.loads(env(operator_deployment(docs))["FLOWLOG_NAMESPACES"]) == ["team-a", "team-b"]


def test_existing_secret_reaches_the_operator_only_as_secret_key_refs(defaults: Render) -> None:
    variables = env(operator_deployment(defaults))
    assert variables["ALIBABA_CLOUD_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "flowlog-operator-credentials", "key": "ALIBABA_CLOUD_ACCESS_KEY_ID"}
    }
    assert (
        variables["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]["secretKeyRef"]["name"] == "flowlog-operator-credentials"
    )
    assert variables["ALIBABA_CLOUD_SECURITY_TOKEN"]["secretKeyRef"]["optional"] is True
    assert kinds(defaults, "Secret") == []


def test_existing_secret_name_and_keys_are_configurable(tools: dict[str, Path]) -> None:
    docs = render(
        tools,
        "--set",
        "credentials.existingSecret.name=ak",
        "--set",
        "credentials.existingSecret.accessKeyIdKey=id",
        "--set",
        "credentials.existingSecret.accessKeySecretKey=secret",
    )
    variables = env(operator_deployment(docs))
    assert variables["ALIBABA_CLOUD_ACCESS_KEY_ID"] == {"secretKeyRef": {"name": "ak", "key": "id"}}
    assert variables["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == {"secretKeyRef": {"name": "ak", "key": "secret"}}


def test_chart_created_secret_for_trials(tools: dict[str, Path]) -> None:
    docs = render(
        tools,
        "--set",
        "credentials.source=secret",
        "--set",
        "credentials.secret.accessKeyId=LTAIexample",
        "--set",
        "credentials.secret.accessKeySecret=s3cr3t",
    )
    secret = one(docs, "Secret", "flowlog-operator-credentials")
    assert secret["data"]["ALIBABA_CLOUD_ACCESS_KEY_ID"] == "TFRBSWV4YW1wbGU="
    variables = env(operator_deployment(docs))
    assert (
        variables["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]["secretKeyRef"]["name"] == "flowlog-operator-credentials"
    )
    assert "s3cr3t" not in json.dumps(operator_deployment(docs))


def test_rrsa_with_the_pod_identity_webhook_annotates_the_service_account(tools: dict[str, Path]) -> None:
    docs = render(tools, "--set", "credentials.source=rrsa", "--set", "credentials.rrsa.roleName=flowlog-ram")
    account = one(docs, "ServiceAccount")
    assert account["metadata"]["annotations"] == {"pod-identity.alibabacloud.com/role-name": "flowlog-ram"}
    variables = env(operator_deployment(docs))
    assert not {name for name in variables if name.startswith("ALIBABA_CLOUD_")}, variables
    assert kinds(docs, "Secret") == []


def test_rrsa_without_the_webhook_sets_the_variables_and_mounts_the_token(tools: dict[str, Path]) -> None:
    docs = render(
        tools,
        "--set",
        "credentials.source=rrsa",
        "--set",
        "credentials.rrsa.podIdentityWebhook=false",
        "--set",
        "credentials.rrsa.roleArn=acs:ram::1234567890:role/flowlog",
        "--set",
        "credentials.rrsa.oidcProviderArn=acs:ram::1234567890:oidc-provider/ack-rrsa-c0ffee",
    )
    deployment = operator_deployment(docs)
    variables = env(deployment)
    assert variables["ALIBABA_CLOUD_ROLE_ARN"] == "acs:ram::1234567890:role/flowlog"
    assert variables["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"].endswith("oidc-provider/ack-rrsa-c0ffee")
    token_file = Path(variables["ALIBABA_CLOUD_OIDC_TOKEN_FILE"])
    assert str(token_file) == "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token"
    mounts = {m["name"]: m["mountPath"] for m in container(deployment)["volumeMounts"]}
    assert mounts["rrsa-token"] == str(token_file.parent)
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "rrsa-token")
    (source,) = volume["projected"]["sources"]
    assert source["serviceAccountToken"]["audience"] == "sts.aliyuncs.com"
    assert source["serviceAccountToken"]["path"] == token_file.name


def test_region_and_endpoint_overrides_become_operator_settings(tools: dict[str, Path]) -> None:
    docs = render(
        tools,
        "--set",
        "cloud.region=cn-shanghai",
        "--set",
        "cloud.vpcEndpoint=http://vpc-emulator:8765",
        "--set",
        "cloud.allowInsecureEndpoint=true",
        "--set",
        "cloud.rateLimits.DescribeFlowLogs=300",
    )
    variables = env(operator_deployment(docs))
    assert variables["FLOWLOG_REGION"] == "cn-shanghai"
    assert variables["FLOWLOG_VPC_ENDPOINT"] == "http://vpc-emulator:8765"
    assert variables["FLOWLOG_ALLOW_INSECURE_ENDPOINT"] == "true"
    assert json.loads(variables["FLOWLOG_RATE_LIMITS"]) == {"DescribeFlowLogs": 300}


def test_crd_template_is_the_generated_crd_and_is_kept_on_uninstall(tools: dict[str, Path]) -> None:
    (crd,) = render(tools, "--show-only", "templates/crds.yaml")
    generated = crd_manifest()
    assert crd["spec"] == generated["spec"]
    assert crd["metadata"]["name"] == generated["metadata"]["name"]
    assert crd["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    (unkept,) = render(tools, "--show-only", "templates/crds.yaml", "--set", "crds.keep=false")
    assert "annotations" not in unkept["metadata"]
    assert kinds(render(tools, "--set", "crds.enabled=false"), "CustomResourceDefinition") == []


def test_emulator_is_off_by_default_and_wired_in_when_enabled(
    defaults: Render, tools: dict[str, Path]
) -> None:
    assert [d["metadata"]["name"] for d in kinds(defaults, "Deployment")] == ["flowlog-operator"]
    assert "FLOWLOG_VPC_ENDPOINT" not in env(operator_deployment(defaults))
    docs = render(tools, "--set", "emulator.enabled=true", "--set", "credentials.source=rrsa")
    emulator = one(docs, "Deployment", "flowlog-operator-emulator")
    assert container(emulator)["args"][:5] == ["emulator", "--host", "0.0.0.0", "--port", "8765"]
    assert container(emulator)["securityContext"] == RESTRICTED_CONTAINER
    assert "DEMO ONLY" in emulator["metadata"]["annotations"]["flowlog-operator/warning"]
    service = one(docs, "Service", "flowlog-operator-emulator")
    assert service["spec"]["ports"][0]["port"] == 8765
    variables = env(operator_deployment(docs))
    assert variables["FLOWLOG_VPC_ENDPOINT"] == f"http://flowlog-operator-emulator.{NAMESPACE}.svc:8765"
    assert variables["FLOWLOG_ALLOW_INSECURE_ENDPOINT"] == "true"
    secret = one(docs, "Secret", "flowlog-operator-emulator-credentials")
    assert secret["stringData"] == {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "emulator",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "emulator-secret",
    }
    assert variables["ALIBABA_CLOUD_ACCESS_KEY_ID"]["secretKeyRef"]["name"] == secret["metadata"]["name"]


def test_optional_objects_only_when_asked(defaults: Render, tools: dict[str, Path]) -> None:
    optional = {"ServiceMonitor", "NetworkPolicy"}
    assert not optional & {doc["kind"] for doc in defaults}
    assert kinds(render(tools, "--set", "podDisruptionBudget.enabled=false"), "PodDisruptionBudget") == []
    docs = render(
        tools,
        "--set",
        "metrics.serviceMonitor.enabled=true",
        "--set",
        "networkPolicy.enabled=true",
    )
    monitor = one(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "http-metrics"
    policy = one(docs, "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    egress_ports = {(p["port"], p["protocol"]) for p in policy["spec"]["egress"][0]["ports"]}
    assert {(53, "UDP"), (443, "TCP")} <= egress_ports


# ---------------------------------------------------------------------------------- kustomize base


@pytest.fixture(scope="module")
def kustomized(tools: dict[str, Path]) -> Render:
    result = subprocess.run(
        [str(tools["kubectl"]), "kustomize", str(MANIFESTS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_kustomize_base_holds_crd_rbac_and_deployment_but_no_samples(kustomized: Render) -> None:
    assert {doc["kind"] for doc in kustomized} == {
        "Namespace",
        "CustomResourceDefinition",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
    }
    assert one(kustomized, "CustomResourceDefinition") == crd_manifest()
    namespaced_kinds = {
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
    }
    namespaced = [d for d in kustomized if d["kind"] in namespaced_kinds]
    assert {d["metadata"]["namespace"] for d in namespaced} == {NAMESPACE}


def test_kustomize_base_matches_the_chart_defaults(kustomized: Render, defaults: Render) -> None:
    plain, charted = operator_deployment(kustomized), operator_deployment(defaults)
    for key in ("replicas", "strategy"):
        assert plain["spec"][key] == charted["spec"][key], key
    plain_pod, charted_pod = plain["spec"]["template"]["spec"], charted["spec"]["template"]["spec"]
    for key in ("securityContext", "serviceAccountName", "automountServiceAccountToken", "volumes"):
        assert plain_pod[key] == charted_pod[key], key
    for key in ("args", "ports", "livenessProbe", "resources", "securityContext", "volumeMounts", "env"):
        assert container(plain)[key] == container(charted)[key], key
    assert container(plain)["image"] == "flowlog-operator:0.1.0" == container(charted)["image"]
    assert one(kustomized, "ClusterRole", "flowlog-operator")["rules"] == OPERATOR_RULES
    for name in ("flowlog-operator-edit", "flowlog-operator-view"):
        assert one(kustomized, "ClusterRole", name)["rules"] == one(defaults, "ClusterRole", name)["rules"]
    assert (
        one(kustomized, "ClusterRoleBinding")["subjects"] == one(defaults, "ClusterRoleBinding")["subjects"]
    )
    assert one(kustomized, "Role")["rules"] == LEADER_ELECTION_RULES
    for kind in ("Role", "RoleBinding"):
        plain_doc, charted_doc = one(kustomized, kind), one(defaults, kind)
        assert plain_doc["metadata"]["name"] == charted_doc["metadata"]["name"], kind
        assert {k: v for k, v in plain_doc.items() if k != "metadata"} == {
            k: v for k, v in charted_doc.items() if k != "metadata"
        }, kind
    plain_budget, charted_budget = (
        one(kustomized, "PodDisruptionBudget"),
        one(defaults, "PodDisruptionBudget"),
    )
    assert plain_budget["spec"]["minAvailable"] == charted_budget["spec"]["minAvailable"]
    for budget, deployment in ((plain_budget, plain), (charted_budget, charted)):
        assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert one(kustomized, "Service")["spec"]["ports"] == one(defaults, "Service")["spec"]["ports"]


def test_kustomize_namespace_is_held_to_the_restricted_standard(kustomized: Render) -> None:
    labels = one(kustomized, "Namespace")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_samples_kustomization_lists_every_sample(tools: dict[str, Path]) -> None:
    result = subprocess.run(
        [str(tools["kubectl"]), "kustomize", str(MANIFESTS / "samples")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    names = sorted(doc["metadata"]["name"] for doc in yaml.safe_load_all(result.stdout) if doc)
    files = sorted(
        yaml.safe_load(path.read_text(encoding="utf-8"))["metadata"]["name"]
        for path in (MANIFESTS / "samples").glob("*.yaml")
    )
    assert names == files
