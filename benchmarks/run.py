"""Scale benchmark of the operator: a real control plane, the emulator, the operator as its own process.

For each N (``--sizes``) and each mode (batched observation, and the baseline with it switched off),
creates N FlowLogs at once and measures until all are Active, lets them idle for a resync period,
restarts the operator over them, and deletes them all. Every figure is printed beside the lower bound
the emulator's flow control and state machine allow. ``--phases ceiling`` repeats the create phase with
the emulator's limits lifted and no activation delay (the operator's own ceiling), optionally under
cProfile (``--profile``). Prints tables, writes JSON (after every phase) and a PNG plot.

    .venv/bin/python benchmarks/run.py --sizes 100,1000 [--no-baseline] [--phases create,idle,restart,delete]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from scale import bounds, report  # noqa: E402
from scale.harness import Scenario, run_scenario  # noqa: E402

from support.controlplane import ControlPlane  # noqa: E402
from support.flowlogs import install_crd  # noqa: E402

RESULTS = HERE / "results"
PHASES = ("create", "idle", "restart", "delete", "ceiling")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated N values (default 100,1000)")
    parser.add_argument(
        "--phases", default="create,idle,restart,delete", help=f"subset of {','.join(PHASES)}"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the FLOWLOG_BATCH_OBSERVATION=false run"
    )
    parser.add_argument("--baseline-only", action="store_true", help="skip the batched run")
    parser.add_argument("--resync", type=float, default=60.0, help="operator resync seconds (default 60)")
    parser.add_argument("--idle-periods", type=float, default=1.0, help="resync periods measured idle")
    parser.add_argument("--phase-timeout", type=float, default=1200.0, help="bound on each phase, seconds")
    parser.add_argument("--ceiling-size", type=int, default=1000, help="N of the ceiling run")
    parser.add_argument("--profile", action="store_true", help="also run the ceiling under cProfile")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json", help="JSON results file")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import os

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 2**20, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = set(phases) - set(PHASES)
    if unknown:
        print(f"unknown phases: {sorted(unknown)}", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "benchmark": "scale",
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "settings": {"resync_s": args.resync, "idle_periods": args.idle_periods, "activation_delay_s": 5.0},
        "limits": bounds.Limits().__dict__,
        "runs": [],
    }

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def save() -> None:
        args.out.write_text(json.dumps(document, indent=1))

    normal = tuple(p for p in phases if p != "ceiling")
    plane = ControlPlane(controller_manager=False).start()
    install_crd(plane)
    log(f"control plane ready in {plane.started_seconds:.1f}s")
    try:
        scenarios: list[Scenario] = []
        if normal:
            for n in sizes:
                if not args.baseline_only:
                    scenarios.append(
                        Scenario(
                            "batched",
                            n,
                            True,
                            resync=args.resync,
                            idle_periods=args.idle_periods,
                            phases=normal,
                            phase_timeout=args.phase_timeout,
                        )
                    )
                if not args.no_baseline:
                    scenarios.append(
                        Scenario(
                            "baseline",
                            n,
                            False,
                            resync=args.resync,
                            idle_periods=args.idle_periods,
                            phases=normal,
                            phase_timeout=args.phase_timeout,
                        )
                    )
        if "ceiling" in phases:
            unlimited = bounds.Limits(activation_delay=0.0, deletion_delay=0.0, unlimited=True)
            scenarios.append(
                Scenario(
                    "ceiling",
                    args.ceiling_size,
                    True,
                    limits=unlimited,
                    resync=args.resync,
                    phases=("create", "delete"),
                    phase_timeout=args.phase_timeout,
                )
            )
            if args.profile:
                scenarios.append(
                    Scenario(
                        "ceiling-profiled",
                        args.ceiling_size,
                        True,
                        limits=unlimited,
                        resync=args.resync,
                        phases=("create",),
                        phase_timeout=args.phase_timeout,
                        profile=True,
                    )
                )
        for scenario in scenarios:
            log(f"{scenario.label} N={scenario.n} ({', '.join(scenario.phases)})")
            entry: dict[str, Any] = {"label": scenario.label, "n": scenario.n}
            document["runs"].append(entry)

            def save_run(result: dict[str, Any], entry: dict[str, Any] = entry) -> None:
                entry.clear()
                entry.update(result)
                save()

            try:
                run_scenario(plane, scenario, log, save_run)
            except Exception as error:  # noqa: BLE001 - one failed run must not lose the others
                log(f"{scenario.label} N={scenario.n} failed: {error!r}")
                entry["error"] = repr(error)
                save()
    finally:
        plane.stop()
    document["finished"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    save()
    print(report.tables(document))
    plot = report.plot(document, args.out.with_suffix(".png"))
    if plot:
        log(f"plot: {plot}")
    log(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
