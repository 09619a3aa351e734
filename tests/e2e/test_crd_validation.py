"""A real API server enforces the FlowLog schema and CEL rules, naming the field in every refusal.

The CRD is applied as it is checked in. Every manifest under ``tests/fixtures/invalid`` is refused
with the field and message its header names; every valid fixture and sample is accepted and comes
back with the schema defaults; immutable edits (``tests/fixtures/invalid-updates``) are refused and
mutable ones (``tests/fixtures/valid-updates``) accepted; ``kubectl explain`` and ``kubectl get``
show what the CRD promises.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowlog_operator.model import CRD_NAME, FlowLogSpec
from support.controlplane import ControlPlane, ExistingCluster, wait_for

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "manifests" / "crd" / f"{CRD_NAME}.yaml"
FIXTURES = REPO / "tests" / "fixtures"
SAMPLES = REPO / "manifests" / "samples"
HEADER = re.compile(r"^# (field|message): (.*)$", re.MULTILINE)

Cluster = ControlPlane | ExistingCluster

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
INVALID_UPDATES = sorted((FIXTURES / "invalid-updates").glob("*.yaml"))
VALID_UPDATES = sorted((FIXTURES / "valid-updates").glob("*.yaml"))
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as ``kubectl patch --type merge`` applies it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _with_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as the API server should store it: the model's defaults filled in."""
    return FlowLogSpec.model_validate(spec).to_dict()


def _get(cluster: Cluster, namespace: str, name: str) -> dict[str, Any]:
    out = cluster.kubectl("get", "flowlog", name, "-n", namespace, "-o", "json").stdout
    document: dict[str, Any] = json.loads(out)
    return document


def _apply(cluster: Cluster, namespace: str, manifest: dict[str, Any], check: bool = True) -> Any:
    return cluster.kubectl("apply", "-n", namespace, "-f", "-", input=yaml.safe_dump(manifest), check=check)


def _refusal_names(stderr: str, field: str, message: str) -> None:
    assert field in stderr, f"the refusal does not name {field}:\n{stderr}"
    assert message in stderr, f"the refusal does not say {message!r}:\n{stderr}"


@pytest.fixture(scope="module")
def cluster(control_plane: Cluster) -> Cluster:
    """The control plane with the checked-in CRD applied, established and served."""
    control_plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_FILE))
    control_plane.kubectl(
        "wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s", timeout=90
    )
    # Established can precede discovery by a moment; wait until kubectl can resolve the short name.
    wait_for(
        lambda: control_plane.kubectl("get", "fl", "-A", check=False).returncode == 0,
        timeout=60,
        what="the FlowLog resource to be served",
    )
    return control_plane


def test_crd_is_served_under_its_names(cluster: Cluster) -> None:
    resources = cluster.kubectl("api-resources", "--api-group=vpc.alicloud.io", "-o", "wide").stdout
    row = next(line for line in resources.splitlines() if line.startswith("flowlogs"))
    assert re.search(r"\bfl\b", row), row
    assert "vpc.alicloud.io/v1alpha1" in row
    assert "true" in row.split()  # namespaced
    assert "alicloud" in row
    assert cluster.kubectl("get", "alicloud", "-A").returncode == 0


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_manifest_is_refused_naming_the_field(cluster: Cluster, namespace: str, path: Path) -> None:
    expected = dict(HEADER.findall(path.read_text(encoding="utf-8")))
    manifest = _load(path)
    result = _apply(cluster, namespace, manifest, check=False)
    assert result.returncode != 0, f"{path.name} was accepted:\n{result.stdout}"
    _refusal_names(result.stderr, expected["field"], expected["message"])
    missing = cluster.kubectl("get", "flowlog", manifest["metadata"]["name"], "-n", namespace, check=False)
    assert "NotFound" in missing.stderr


@pytest.mark.parametrize("path", VALID + SAMPLE_FILES, ids=_ids(VALID + SAMPLE_FILES))
def test_valid_manifest_is_accepted_and_shows_the_defaults(
    cluster: Cluster, namespace: str, path: Path
) -> None:
    manifest = _load(path)
    _apply(cluster, namespace, manifest)
    stored = _get(cluster, namespace, manifest["metadata"]["name"])
    assert stored["spec"] == _with_defaults(manifest["spec"])
    for field, default in (("aggregationInterval", 10), ("enabled", True), ("deletionPolicy", "Delete")):
        assert stored["spec"][field] == manifest["spec"].get(field, default), field


def test_defaults_show_in_kubectl_get_yaml(cluster: Cluster, namespace: str) -> None:
    manifest = _load(FIXTURES / "valid" / "vpc-minimal.yaml")
    _apply(cluster, namespace, manifest)
    shown = cluster.kubectl("get", "fl", manifest["metadata"]["name"], "-n", namespace, "-o", "yaml").stdout
    spec = yaml.safe_load(shown)["spec"]
    assert (spec["aggregationInterval"], spec["enabled"], spec["deletionPolicy"]) == (10, True, "Delete")


@pytest.mark.parametrize("path", INVALID_UPDATES, ids=_ids(INVALID_UPDATES))
def test_immutable_edit_is_refused(cluster: Cluster, namespace: str, path: Path) -> None:
    case = _load(path)
    base = _load(FIXTURES / "valid" / case["base"])
    _apply(cluster, namespace, base)
    before = _get(cluster, namespace, base["metadata"]["name"])
    result = cluster.kubectl(
        "patch", "flowlog", base["metadata"]["name"], "-n", namespace,
        "--type", "merge", "-p", json.dumps(case["patch"]), check=False,
    )  # fmt: skip
    assert result.returncode != 0, f"{path.name} was accepted:\n{result.stdout}"
    _refusal_names(result.stderr, case["field"], case["message"])
    after = _get(cluster, namespace, base["metadata"]["name"])
    assert after["spec"] == before["spec"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]


@pytest.mark.parametrize("path", VALID_UPDATES, ids=_ids(VALID_UPDATES))
def test_mutable_edit_is_accepted(cluster: Cluster, namespace: str, path: Path) -> None:
    case = _load(path)
    base = _load(FIXTURES / "valid" / case["base"])
    _apply(cluster, namespace, base)
    before = _get(cluster, namespace, base["metadata"]["name"])
    cluster.kubectl(
        "patch", "flowlog", base["metadata"]["name"], "-n", namespace,
        "--type", "merge", "-p", json.dumps(case["patch"]),
    )  # fmt: skip
    after = _get(cluster, namespace, base["metadata"]["name"])
    assert after["spec"] == _with_defaults(_merge_patch(before["spec"], case["patch"]["spec"]))
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_kubectl_explain_describes_every_spec_field(cluster: Cluster) -> None:
    fields = [field.alias for field in FlowLogSpec.model_fields.values()]
    assert fields

    def explained() -> bool:
        result = cluster.kubectl("explain", "flowlog.spec", check=False)
        return result.returncode == 0 and all(re.search(rf"^\s+{f}\b", result.stdout, re.M) for f in fields)

    # The API server publishes the CRD's OpenAPI a little after the CRD is established.
    wait_for(explained, timeout=60, what="kubectl explain flowlog.spec to list every spec field")
    traffic_path = cluster.kubectl("explain", "flowlog.spec.trafficPath").stdout
    assert "Immutable" in traffic_path
    assert "DualStack" in traffic_path
    tags = cluster.kubectl("explain", "flowlog.spec.tags").stdout
    assert "flowlog-operator/owner-uid" in tags


def test_printer_columns_show_id_status_ready_and_resource(cluster: Cluster, namespace: str) -> None:
    manifest = _load(SAMPLES / "flowlog-vpc.yaml")
    _apply(cluster, namespace, manifest)
    name = manifest["metadata"]["name"]
    status = {
        "flowLogId": "fl-printed1",
        "cloudStatus": "Active",
        "observedGeneration": 1,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "Active",
                "message": "",
                "lastTransitionTime": "2026-01-02T03:04:05Z",
                "observedGeneration": 1,
            }
        ],
    }
    cluster.kubectl(
        "patch", "fl", name, "-n", namespace, "--subresource=status", "--type", "merge",
        "-p", json.dumps({"status": status}),
    )  # fmt: skip
    header, row = cluster.kubectl("get", "fl", name, "-n", namespace).stdout.splitlines()
    assert header.split() == ["NAME", "ID", "STATUS", "READY", "RESOURCE", "AGE"]
    assert row.split()[:5] == [name, "fl-printed1", "Active", "True", "vpc-hz-prod"]
    wide_header = cluster.kubectl("get", "fl", name, "-n", namespace, "-o", "wide").stdout.splitlines()[0]
    assert wide_header.split() == ["NAME", "ID", "STATUS", "READY", "RESOURCE", "REASON", "REGION", "AGE"]


def test_status_takes_the_operator_shape_and_refuses_a_bad_condition(
    cluster: Cluster, namespace: str
) -> None:
    manifest = _load(FIXTURES / "valid" / "vpc-minimal.yaml")
    _apply(cluster, namespace, manifest)
    name = manifest["metadata"]["name"]
    condition = {
        "type": "Ready",
        "status": "False",
        "reason": "InvalidResourceId.NotFound",
        "message": "This resourceId already has flowlog instance existed.",
        "lastTransitionTime": "2026-01-02T03:04:05Z",
    }
    status = {
        "pendingCreate": {"token": "uid-1", "startedAt": "2026-01-02T03:04:00Z"},
        "conditions": [condition],
        "tags": {"flowlog-operator/owner-uid": "uid-1"},
        "lastSyncTime": "2026-01-02T03:04:05Z",
        "creationTime": "2026-01-02T03:04:01Z",
        "failures": 2,
    }
    patch = ["patch", "fl", name, "-n", namespace, "--subresource=status", "--type", "merge", "-p"]
    cluster.kubectl(*patch, json.dumps({"status": status}))
    assert _get(cluster, namespace, name)["status"] == status
    bad = {"status": {"conditions": [{**condition, "status": "Maybe"}]}}
    result = cluster.kubectl(*patch, json.dumps(bad), check=False)
    assert result.returncode != 0
    _refusal_names(result.stderr, "status.conditions[0].status", "Unsupported value")
