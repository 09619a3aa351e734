"""Smoke test of the e2e control plane itself: the API features the operator's tests will depend on.

CRD with a status subresource and a CEL rule, status-only patches, RBAC as a ServiceAccount token meets it,
and namespace deletion (needs kube-controller-manager). Uses the real kubectl binary and the ``kubernetes``
client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from support.controlplane import ControlPlane, ExistingCluster, token_kubeconfig, wait_for

GROUP = "smoke.flowlog.test"
PLURAL = "widgets"
CEL_MESSAGE = "minReplicas must not exceed maxReplicas"

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["minReplicas", "maxReplicas"],
                                "properties": {
                                    "minReplicas": {"type": "integer", "minimum": 0},
                                    "maxReplicas": {"type": "integer", "minimum": 0},
                                },
                                "x-kubernetes-validations": [
                                    {"rule": "self.minReplicas <= self.maxReplicas", "message": CEL_MESSAGE}
                                ],
                            },
                            "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
                        },
                    }
                },
            }
        ],
    },
}

Cluster = ControlPlane | ExistingCluster


def widgets(api: Any) -> Any:
    """The custom-objects API; typed Any because the generated client declares its results as ``object``."""
    return client.CustomObjectsApi(api)


def widget(name: str, namespace: str, lo: int, hi: int) -> str:
    return json.dumps(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Widget",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"minReplicas": lo, "maxReplicas": hi},
        }
    )


@pytest.fixture(scope="module")
def crd(control_plane: Cluster) -> Iterator[str]:
    name = CRD["metadata"]["name"]  # type: ignore[index]
    control_plane.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(CRD))
    control_plane.kubectl("wait", "--for=condition=Established", f"crd/{name}", "--timeout=60s")
    yield name
    control_plane.kubectl("delete", f"crd/{name}", "--wait=false", "--ignore-not-found", check=False)


def test_version_is_stamped(control_plane: Cluster) -> None:
    info = json.loads(control_plane.kubectl("get", "--raw", "/version").stdout)
    assert info["gitVersion"].startswith("v1.")
    if isinstance(control_plane, ControlPlane):
        build = json.loads((control_plane.bin_dir / "manifest.json").read_text())
        assert info["gitVersion"] == build["kubernetes"]


def test_crd_cel_and_status_subresource(control_plane: Cluster, crd: str, namespace: str) -> None:
    established = control_plane.kubectl(
        "get", f"crd/{crd}", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"
    )
    assert established.stdout == "True"

    control_plane.kubectl("create", "-f", "-", input=widget("ok", namespace, 1, 3))

    refused = control_plane.kubectl("create", "-f", "-", input=widget("bad", namespace, 5, 2), check=False)
    assert refused.returncode != 0
    assert CEL_MESSAGE in refused.stderr
    assert control_plane.kubectl("-n", namespace, "get", f"{PLURAL}.{GROUP}/bad", check=False).returncode != 0

    # Through /status the status changes and the spec change is dropped by the apiserver.
    control_plane.kubectl(
        "-n",
        namespace,
        "patch",
        f"{PLURAL}.{GROUP}/ok",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": {"phase": "Ready"}, "spec": {"maxReplicas": 9}}),
    )
    with control_plane.api_client() as api:
        obj = widgets(api).get_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "ok")
        assert obj["status"] == {"phase": "Ready"}
        assert obj["spec"] == {"minReplicas": 1, "maxReplicas": 3}

        # And the main resource ignores status: the Python client's status patch is the only way in.
        widgets(api).patch_namespaced_custom_object(
            GROUP, "v1", namespace, PLURAL, "ok", {"status": {"phase": "Hacked"}, "spec": {"maxReplicas": 4}}
        )
        obj = widgets(api).get_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "ok")
        assert obj["status"] == {"phase": "Ready"}
        assert obj["spec"]["maxReplicas"] == 4


def test_serviceaccount_token_rbac(control_plane: Cluster, crd: str, namespace: str, tmp_path: Path) -> None:
    control_plane.kubectl("-n", namespace, "create", "serviceaccount", "reader")
    control_plane.kubectl("create", "-f", "-", input=widget("w", namespace, 0, 1))
    kubeconfig = token_kubeconfig(control_plane, namespace, "reader", tmp_path / "reader.kubeconfig")
    assert "client-certificate" not in kubeconfig.read_text()

    whoami = control_plane.kubectl("auth", "whoami", "-o", "json", kubeconfig=kubeconfig)
    username = json.loads(whoami.stdout)["status"]["userInfo"]["username"]
    assert username == f"system:serviceaccount:{namespace}:reader"

    denied = control_plane.kubectl("-n", namespace, "get", PLURAL, kubeconfig=kubeconfig, check=False)
    assert denied.returncode != 0
    assert "forbidden" in denied.stderr.lower()

    control_plane.kubectl(
        "-n", namespace, "create", "role", "widget-reader", "--verb=get,list", f"--resource={PLURAL}.{GROUP}"
    )
    control_plane.kubectl(
        "-n",
        namespace,
        "create",
        "rolebinding",
        "widget-reader",
        "--role=widget-reader",
        f"--serviceaccount={namespace}:reader",
    )
    # RBAC is served from informer caches: allowed shortly after the binding exists, not necessarily at once.
    wait_for(
        lambda: (
            control_plane.kubectl(
                "-n", namespace, "get", PLURAL, kubeconfig=kubeconfig, check=False
            ).returncode
            == 0
        ),
        timeout=30,
        what="the RoleBinding to take effect",
    )
    with control_plane.api_client(kubeconfig) as api:
        items = widgets(api).list_namespaced_custom_object(GROUP, "v1", namespace, PLURAL)
        assert [i["metadata"]["name"] for i in items["items"]] == ["w"]
        # The Role grants reading only, and nothing outside its namespace.
        with pytest.raises(ApiException) as exc:
            widgets(api).delete_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "w")
        assert exc.value.status == 403
        with pytest.raises(ApiException) as exc:
            widgets(api).list_namespaced_custom_object(GROUP, "v1", "default", PLURAL)
        assert exc.value.status == 403


def test_deleted_namespace_goes_away(control_plane: Cluster, crd: str) -> None:
    name = f"e2e-doomed-{time.monotonic_ns() % 10**8}"
    control_plane.kubectl("create", "namespace", name)
    control_plane.kubectl("-n", name, "create", "configmap", "c", "--from-literal=a=b")
    control_plane.kubectl("create", "-f", "-", input=widget("w", name, 0, 1))
    control_plane.kubectl("delete", "namespace", name, "--wait=false")
    # The namespace controller (kube-controller-manager) empties it, then the finalizer is removed.
    wait_for(
        lambda: control_plane.kubectl("get", "namespace", name, check=False).returncode != 0,
        timeout=120,
        what=f"namespace {name} to be deleted",
        interval=0.5,
    )
    gone = control_plane.kubectl("get", "namespace", name, check=False)
    assert "NotFound" in gone.stderr
