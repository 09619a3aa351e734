"""One scale scenario: a namespace, an emulator, an operator process, N FlowLogs, then the phases.

Phases (each bounded in time, each measured from the outside):

- ``create``: N FlowLogs created at once (parallel ``kubectl create``), until all are Active.
- ``idle``: all N settled; cloud calls, API-server writes and operator CPU over ``idle_periods`` resyncs.
- ``restart``: the operator stopped and started again with N settled objects; what the start-up costs.
- ``delete``: every FlowLog deleted at once, until all are gone.
"""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from scale import bounds, measure
from scale.watch import Watcher

from support.controlplane import ControlPlane, wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import manifest
from support.operator import OperatorProcess

APPLY_WORKERS = 4
APPLY_CHUNK = 250


@dataclass
class Scenario:
    label: str  # "batched", "baseline", "ceiling"
    n: int
    batching: bool = True
    limits: bounds.Limits = field(default_factory=bounds.Limits)
    resync: float = 60.0
    idle_periods: float = 1.0
    phases: tuple[str, ...] = ("create", "idle", "restart", "delete")
    phase_timeout: float = 1200.0
    profile: bool = False
    operator_env: dict[str, str] = field(default_factory=dict)


class BenchOperator(OperatorProcess):
    """``OperatorProcess`` with production timings, optionally run under cProfile (stats at a clean stop)."""

    def __init__(self, *args: Any, profile_to: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile_to = profile_to

    def start(self, timeout: float = 120.0) -> OperatorProcess:
        if self.running:
            raise RuntimeError("operator already running")
        interpreter = [sys.executable]
        if self.profile_to is not None:
            interpreter += ["-m", "cProfile", "-o", str(self.profile_to)]
        command = [*interpreter, "-m", "flowlog_operator", "run"]
        for namespace in self.namespaces:
            command += ["--namespace", namespace]
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1}: {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.environment(), start_new_session=True
            )
        self.starts += 1
        wait_for(self._healthy, timeout, f"operator liveness on port {self.health_port}\n{self.tail()}")
        return self


def operator_environment(scenario: Scenario) -> dict[str, str]:
    env = {
        # Production timings (the e2e launcher shortens them).
        "FLOWLOG_POLL_SECONDS": "2",
        "FLOWLOG_RETRY_SECONDS": "5",
        "FLOWLOG_TERMINAL_SECONDS": "30",
        "FLOWLOG_TERMINAL_MAX_SECONDS": "600",
        "FLOWLOG_RESYNC_SECONDS": f"{scenario.resync:g}",
        "FLOWLOG_BATCH_OBSERVATION": "true" if scenario.batching else "false",
    }
    if scenario.limits.unlimited:
        big = 10_000_000
        env["FLOWLOG_RATE_LIMITS"] = json.dumps(
            {a: big for a in ("CreateFlowLog", "DeleteFlowLog", "DescribeFlowLogs", "TagResources")}
        )
    env.update(scenario.operator_env)
    return env


def emulator_arguments(scenario: Scenario) -> list[str]:
    limits = scenario.limits
    args = [
        "--activation-delay",
        f"{limits.activation_delay:g}",
        "--deletion-delay",
        f"{limits.deletion_delay:g}",
        "--quota",
        str(max(100_000, scenario.n * 2)),
    ]
    if limits.unlimited:
        args.append("--no-rate-limits")
    return args


class Run:
    """Everything one scenario started; ``close`` stops it all."""

    def __init__(self, plane: ControlPlane, scenario: Scenario, log: Any) -> None:
        self.plane = plane
        self.scenario = scenario
        self.log = log
        self.namespace = f"bench-{scenario.label}-{scenario.n}-{uuid.uuid4().hex[:5]}"
        self.workdir = Path(tempfile.mkdtemp(prefix="flowlog-bench-"))
        self.profile_path = self.workdir / "operator.prof" if scenario.profile else None
        self.emulator = EmulatorProcess(*emulator_arguments(scenario))
        self.operator = BenchOperator(
            plane.kubeconfig,
            "",
            namespaces=(self.namespace,),
            env=operator_environment(scenario),
            profile_to=self.profile_path,
        )
        self.watcher = Watcher(
            str(plane.tools["kubectl"]), str(plane.kubeconfig), self.namespace, log=log, workdir=self.workdir
        )

    # set-up and tear-down

    def open(self) -> None:
        self.plane.kubectl("create", "namespace", self.namespace)
        self.emulator.start()
        vpcs = [
            {"id": f"vpc-bench-{i}", "region": "cn-hangzhou", "vswitches": []} for i in range(self.scenario.n)
        ]
        self.emulator.merge_inventory({"vpcs": vpcs})
        self.operator.emulator_url = self.emulator.url
        self.operator.start()
        self.watcher.start()

    def close(self) -> None:
        self.watcher.stop()
        self.operator.stop(timeout=60)
        self.emulator.close()
        # Objects may still carry our finalizer if a phase timed out: drop it so the namespace can go.
        self.plane.kubectl("delete", "namespace", self.namespace, "--wait=false", check=False)

    # probes

    def probe(self) -> dict[str, Any]:
        pid = self.operator.pid
        assert pid is not None
        metrics = self.plane.kubectl("get", "--raw", "/metrics", timeout=60).stdout
        return {
            "wall": time.time(),
            "cpu": measure.cpu_seconds(pid),
            "memory": measure.memory(pid),
            "writes": measure.apiserver_writes(metrics),
        }

    def account(self, before: dict[str, Any], n: int) -> dict[str, Any]:
        after = self.probe()
        calls = measure.calls_by_action(self.emulator.calls(detail=True))
        writes = measure.diff(after["writes"], before["writes"])
        # The benchmark itself creates the objects (POST flowlogs); the operator never does.
        writes.pop("flowlogs POST", None)
        total_calls = sum(c["total"] for c in calls.values())
        total_writes = sum(writes.values())
        elapsed = after["wall"] - before["wall"]
        cpu = after["cpu"] - before["cpu"]
        return {
            "elapsed_s": elapsed,
            "cloud_calls": calls,
            "cloud_calls_total": total_calls,
            "cloud_calls_per_flowlog": total_calls / n,
            "cloud_calls_per_flowlog_by_action": {a: c["total"] / n for a, c in calls.items()},
            "throttled": sum(c["throttled"] for c in calls.values()),
            "apiserver_writes": writes,
            "apiserver_writes_total": total_writes,
            "apiserver_writes_per_flowlog": total_writes / n,
            "operator_cpu_s": cpu,
            "operator_cpu_pct_of_core": 100.0 * cpu / elapsed if elapsed > 0 else None,
            "operator_rss_mb": after["memory"].get("VmRSS", 0) / 2**20,
            "operator_peak_rss_mb": after["memory"].get("VmHWM", 0) / 2**20,
        }

    def _wait(self, what: str, condition: Any, deadline: float) -> bool:
        """Wait for ``condition`` on the watcher, with its reconciling lists on (see ``scale.watch``)."""
        last = 0.0
        self.watcher.reconciling(True)
        try:
            while time.time() < deadline:
                if condition():
                    return True
                if time.time() - last > 15:
                    seen, active, deleted = self.watcher.counts()
                    self.log(f"    ... {what}: seen {seen}, active {active}, deleted {deleted}")
                    last = time.time()
                time.sleep(0.5)
            return False
        finally:
            self.watcher.reconciling(False)

    # phases

    def create(self) -> dict[str, Any]:
        n = self.scenario.n
        before = self.probe()
        watch_before = self.watcher.stats()
        self.emulator.clear_calls()
        t0 = time.time()
        items = [manifest(f"fl-{i}", resourceId=f"vpc-bench-{i}") for i in range(n)]
        chunks = [items[i : i + APPLY_CHUNK] for i in range(0, n, APPLY_CHUNK)]

        def create_chunk(chunk: list[dict[str, Any]]) -> None:
            text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": chunk})
            self.plane.kubectl("create", "-n", self.namespace, "-f", "-", input=text, timeout=600)

        with ThreadPoolExecutor(APPLY_WORKERS) as pool:
            list(pool.map(create_chunk, chunks))
        applied_s = time.time() - t0
        done = self._wait("create", lambda: self.watcher.counts()[1] >= n, t0 + self.scenario.phase_timeout)
        result = self.account(before, n)
        seen = self.watcher.snapshot()
        active = [s for s in seen.values() if s.active_at is not None]
        latencies = [s.active_at - s.created for s in active if s.active_at is not None]
        # From the first watch event: only for objects whose Active the watch itself delivered.
        latencies_seen = [
            s.active_at - s.first_seen for s in active if s.active_at is not None and not s.active_via_list
        ]
        times = sorted(s.active_at - t0 for s in active if s.active_at is not None)
        result.update(
            {
                "completed": done,
                "active": len(active),
                "applied_s": applied_s,
                "all_active_s": times[-1] if done and times else None,
                "latency_p50_s": measure.percentile(latencies, 0.5),
                "latency_p99_s": measure.percentile(latencies, 0.99),
                "latency_from_first_seen_p50_s": measure.percentile(latencies_seen, 0.5),
                "latency_from_first_seen_p99_s": measure.percentile(latencies_seen, 0.99),
                "active_times_s": [round(t, 2) for t in times],
                "active_via_list": sum(1 for s in active if s.active_via_list),
                "watch": self.watcher.stats().minus(watch_before),
                "flowlogs_per_s": (len(times) / times[-1]) if times else None,
                "bound": bounds.create_bounds(n, self.scenario.limits),
            }
        )
        return result

    def idle(self) -> dict[str, Any]:
        n = self.scenario.n
        before = self.probe()
        self.emulator.clear_calls()
        window = self.scenario.resync * self.scenario.idle_periods
        end = time.time() + window
        while time.time() < end:
            time.sleep(min(5.0, max(0.0, end - time.time())))
        result = self.account(before, n)
        periods = result["elapsed_s"] / self.scenario.resync
        result.update(
            {
                "resync_s": self.scenario.resync,
                "periods": periods,
                "cloud_calls_per_period": result["cloud_calls_total"] / periods,
                "apiserver_writes_per_period": result["apiserver_writes_total"] / periods,
                "bound": bounds.idle_bounds(n),
            }
        )
        return result

    def restart(self) -> dict[str, Any]:
        n = self.scenario.n
        self.operator.stop(timeout=60)
        self.emulator.clear_calls()
        metrics = self.plane.kubectl("get", "--raw", "/metrics", timeout=60).stdout
        writes_before = measure.apiserver_writes(metrics)
        t0 = time.time()
        self.operator.start(timeout=300)
        started_s = time.time() - t0
        before = {"wall": t0, "cpu": 0.0, "memory": {}, "writes": writes_before}
        # Quiet: no cloud call for 5 s, or the window (half a resync) is over.
        window_end = t0 + max(30.0, self.scenario.resync / 2)
        last_total, last_change = -1, time.time()
        while time.time() < window_end:
            total = sum(c["total"] for c in self.emulator.calls(detail=True).values())
            if total != last_total:
                last_total, last_change = total, time.time()
            elif time.time() - last_change > 5 and total > 0:
                break
            time.sleep(0.5)
        result = self.account(before, n)
        result.update({"operator_ready_s": started_s, "bound": bounds.idle_bounds(n)})
        return result

    def delete(self) -> dict[str, Any]:
        n = self.scenario.n
        before = self.probe()
        watch_before = self.watcher.stats()
        self.emulator.clear_calls()
        t0 = time.time()
        self.plane.kubectl("delete", "flowlogs", "--all", "-n", self.namespace, "--wait=false", timeout=600)
        done = self._wait("delete", lambda: self.watcher.counts()[2] >= n, t0 + self.scenario.phase_timeout)
        result = self.account(before, n)
        seen = self.watcher.snapshot()
        times = sorted(s.deleted_at - t0 for s in seen.values() if s.deleted_at is not None)
        result.update(
            {
                "completed": done,
                "deleted": len(times),
                "deleted_via_list": sum(1 for s in seen.values() if s.deleted_via_list),
                "watch": self.watcher.stats().minus(watch_before),
                "all_gone_s": times[-1] if done and times else None,
                "latency_p50_s": measure.percentile(times, 0.5),
                "latency_p99_s": measure.percentile(times, 0.99),
                "left_in_cloud": len(self.emulator.flowlogs()),
                "bound": bounds.delete_bounds(n, self.scenario.limits),
            }
        )
        return result

    def profile_summary(self, top: int = 30) -> dict[str, Any] | None:
        if self.profile_path is None or not self.profile_path.exists():
            return None
        stats = pstats.Stats(str(self.profile_path))
        total = stats.total_tt  # type: ignore[attr-defined]
        rows = []
        for (filename, line, function), (_cc, _nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            rows.append(
                {
                    "function": f"{_short(filename)}:{line}:{function}",
                    "tottime": tt,
                    "cumtime": ct,
                }
            )
        by_tot = sorted(rows, key=lambda r: r["tottime"], reverse=True)[:top]
        by_cum = sorted(rows, key=lambda r: r["cumtime"], reverse=True)[:top]
        return {"total_s": total, "by_tottime": by_tot, "by_cumtime": by_cum, "file": str(self.profile_path)}


def _short(filename: str) -> str:
    return os.path.relpath(filename) if filename.startswith("/") else filename


def run_scenario(plane: ControlPlane, scenario: Scenario, log: Any, save: Any) -> dict[str, Any]:
    run = Run(plane, scenario, log)
    result: dict[str, Any] = {"label": scenario.label, "n": scenario.n, "batching": scenario.batching}
    try:
        run.open()
        result["operator_log"] = str(run.operator.log_path)
        for phase in ("create", "idle", "restart", "delete"):
            if phase not in scenario.phases:
                continue
            if phase != "create" and not result.get("create", {}).get("completed", phase == "delete"):
                log(f"  skip {phase}: create did not complete")
                continue
            log(f"  {scenario.label} N={scenario.n}: {phase} ...")
            started = time.time()
            result[phase] = getattr(run, phase)()
            log(f"  {scenario.label} N={scenario.n}: {phase} done in {time.time() - started:.0f}s")
            save(result)
    finally:
        run.close()
    profile = run.profile_summary()
    if profile:
        result["profile"] = profile
        save(result)
    return result
