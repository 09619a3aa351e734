"""The chart's workloads meet the restricted Pod Security Standard, with and without the demo emulator.

In a namespace labelled ``pod-security.kubernetes.io/enforce=restricted`` (and ``warn``), ``helm install``
prints no PodSecurity warning, and Pods made from the rendered pod templates are admitted (enforced: a
violating Pod is refused). Negative controls prove that the API server does warn and refuse here, so the
absence of warnings means something.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from install_support import Cluster, Release

RESTRICTED = (
    "pod-security.kubernetes.io/enforce=restricted",
    "pod-security.kubernetes.io/warn=restricted",
)


@pytest.fixture
def restricted_namespace(control_plane: Cluster, namespace: str) -> str:
    control_plane.kubectl("label", "namespace", namespace, *RESTRICTED)
    return namespace


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Warning:" in line or "PodSecurity" in line]


def pod_from(deployment: dict[str, Any], namespace: str) -> dict[str, Any]:
    template = deployment["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{deployment['metadata']['name']}-probe", "namespace": namespace},
        "spec": template["spec"],
    }


@pytest.mark.parametrize("emulator", [False, True], ids=["operator", "operator+emulator"])
def test_helm_install_raises_no_pod_security_warning(
    control_plane: Cluster,
    restricted_namespace: str,
    helm_release: Callable[..., Release],
    emulator: bool,
) -> None:
    release = helm_release(
        "--set", "crds.enabled=false", "--set", f"emulator.enabled={str(emulator).lower()}"
    )
    assert warnings(release.install.stderr) == [], release.install.stderr
    deployments = [doc for doc in release.manifest() if doc["kind"] == "Deployment"]
    assert len(deployments) == (2 if emulator else 1)
    for deployment in deployments:
        pod = pod_from(deployment, restricted_namespace)
        result = control_plane.kubectl(
            "create", "--dry-run=server", "-f", "-", input=yaml.safe_dump(pod), check=False
        )
        assert result.returncode == 0, f"{deployment['metadata']['name']}: {result.stderr}"
        assert warnings(result.stderr) == [], result.stderr


def test_negative_control_a_weakened_chart_is_warned_about_and_its_pod_refused(
    control_plane: Cluster, restricted_namespace: str, helm_release: Callable[..., Release]
) -> None:
    release = helm_release(
        "--set", "crds.enabled=false", "--set", "securityContext.allowPrivilegeEscalation=true"
    )
    assert any("allowPrivilegeEscalation" in line for line in warnings(release.install.stderr)), (
        release.install.stderr
    )
    pod = pod_from(release.deployment(), restricted_namespace)
    result = control_plane.kubectl(
        "create", "--dry-run=server", "-f", "-", input=yaml.safe_dump(pod), check=False
    )
    assert result.returncode != 0
    assert "violates PodSecurity" in result.stderr, result.stderr
