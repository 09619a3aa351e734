"""An Argo CD sync of a reconciled FlowLog changes nothing: the operator never writes into spec.

After the operator took a FlowLog to Active, a server-side apply of the same manifest with Argo CD's
field manager (``argocd-controller``) shows no diff, leaves resourceVersion and generation as they were,
and no field manager but Argo CD's owns a spec field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from install_support import Cluster

from support.emulator import EmulatorProcess
from support.flowlogs import SAMPLES, FlowLogs, install_crd
from support.operator import OperatorProcess

ARGOCD = "--field-manager=argocd-controller"


@pytest.fixture
def operator(control_plane: Cluster, namespace: str, cloud: EmulatorProcess) -> Iterator[OperatorProcess]:
    install_crd(control_plane)
    process = OperatorProcess(control_plane.kubeconfig, cloud.url, namespaces=(namespace,))
    process.start()
    yield process
    process.stop()


def spec_owners(obj: dict[str, Any]) -> set[str]:
    return {
        entry["manager"]
        for entry in obj["metadata"].get("managedFields", [])
        if "f:spec" in json.dumps(entry.get("fieldsV1", {}))
    }


@pytest.mark.parametrize("sample", ["flowlog-vpc.yaml", "flowlog-eni.yaml"])
def test_server_side_apply_after_reconcile_changes_nothing(
    control_plane: Cluster, namespace: str, operator: OperatorProcess, sample: str
) -> None:
    path = SAMPLES / sample
    flowlogs = FlowLogs(control_plane, namespace)
    control_plane.kubectl("apply", "--server-side", ARGOCD, "-n", namespace, "-f", str(path))
    name = control_plane.kubectl("get", "-n", namespace, "-f", str(path), "-o", "name").stdout.strip()
    name = name.split("/")[-1]
    try:
        flowlogs.wait_active(name, timeout=60)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{operator.tail()}") from None
    # Stop the operator so that nothing but the apply can move resourceVersion.
    operator.stop()
    before = json.loads(
        control_plane.kubectl(
            "get", "flowlog", name, "-n", namespace, "-o", "json", "--show-managed-fields"
        ).stdout
    )
    assert spec_owners(before) == {"argocd-controller"}, before["metadata"]["managedFields"]

    diff = control_plane.kubectl(
        "diff", "--server-side", ARGOCD, "-n", namespace, "-f", str(path), check=False
    )
    assert diff.returncode == 0, f"kubectl diff found drift:\n{diff.stdout}{diff.stderr}"
    assert diff.stdout == ""

    control_plane.kubectl("apply", "--server-side", ARGOCD, "-n", namespace, "-f", str(path))
    after = json.loads(control_plane.kubectl("get", "flowlog", name, "-n", namespace, "-o", "json").stdout)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
