"""``make demo``: the operator on its embedded default, end to end, on this machine.

Starts a local control plane (kube-apiserver, etcd, kube-controller-manager built from Go modules by
``make control-plane``), the VPC API emulator and the operator as separate processes, installs the
CRD, applies the samples from ``manifests/samples/``, and shows their progress until every one is
Active. It then keeps running (so you can ``kubectl`` against it with the printed kubeconfig) until
interrupted; ``--exit-when-ready`` stops everything once the samples are Active.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.controlplane import ControlPlane  # noqa: E402
from support.emulator import EmulatorProcess  # noqa: E402
from support.flowlogs import SAMPLES, install_crd  # noqa: E402
from support.operator import OperatorProcess  # noqa: E402

NAMESPACE = "flowlog-demo"


def snapshot(cluster: ControlPlane) -> list[dict[str, str]]:
    listed = json.loads(cluster.kubectl("get", "flowlogs", "-n", NAMESPACE, "-o", "json").stdout)["items"]
    rows = []
    for obj in listed:
        status = obj.get("status") or {}
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
        rows.append(
            {
                "name": obj["metadata"]["name"],
                "id": status.get("flowLogId") or "-",
                "status": status.get("cloudStatus") or "-",
                "ready": f"{ready.get('status', '-')}/{ready.get('reason', '-')}",
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exit-when-ready", action="store_true", help="stop everything once all samples are Active"
    )
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the samples")
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workdir = Path(tempfile.mkdtemp(prefix="flowlog-demo-"))
    print("starting the local control plane (etcd, kube-apiserver, kube-controller-manager) ...", flush=True)
    with ControlPlane(workdir / "cluster") as cluster, EmulatorProcess() as emulator:
        print(f"control plane ready: KUBECONFIG={cluster.kubeconfig}")
        print(f"emulator ready: {emulator.url} (admin: {emulator.url}/_emulator/flowlogs)")
        install_crd(cluster)
        cluster.kubectl("create", "namespace", NAMESPACE)
        with OperatorProcess(
            cluster.kubeconfig, emulator.url, env={"FLOWLOG_LOG_FORMAT": "plain"}
        ) as operator:
            print(f"operator running (pid {operator.pid}, log {operator.log_path})")
            for sample in sorted(SAMPLES.glob("*.yaml")):
                cluster.kubectl("apply", "-n", NAMESPACE, "-f", str(sample))
                print(f"applied {sample.relative_to(ROOT)}")
            deadline = time.monotonic() + args.timeout
            shown: list[dict[str, str]] = []
            while not stop.is_set():
                rows = snapshot(cluster)
                if rows != shown:
                    print(
                        time.strftime("%H:%M:%S"),
                        "  ".join(f"{r['name']}={r['status']}({r['ready']})" for r in rows),
                    )
                    shown = rows
                if rows and all(r["status"] == "Active" and r["ready"].startswith("True") for r in rows):
                    break
                if time.monotonic() > deadline:
                    print(
                        f"not all samples Active after {args.timeout:.0f}s; operator log:\n{operator.tail()}"
                    )
                    return 1
                stop.wait(0.5)
            print(cluster.kubectl("get", "fl", "-n", NAMESPACE).stdout)
            if args.exit_when_ready or stop.is_set():
                return 0
            print(f"all samples Active. Try: KUBECONFIG={cluster.kubeconfig} kubectl get fl -A")
            print("press Ctrl-C to stop everything")
            try:
                while not stop.wait(1):
                    pass
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
