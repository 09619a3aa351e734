"""Run one test many times in a row and report every failure: how a fix of an intermittent failure is proven.

    .venv/bin/python tools/repeat.py -n 20 --busy 1 \\
        tests/e2e/resilience/test_resilience_restarts.py::test_api_server_and_etcd_restart_mid_run_operator_reconnects_and_converges

Each run is its own pytest process. ``--busy N`` keeps N CPU-bound loops running beside the test (a
loaded machine is where timing defects show). The figures are printed as a table and written as JSON
(``--json``, default ``benchmarks/results/repeat-<test name>.json``); the exit status is 1 if any run
failed. On a failure the last lines of its output are kept in the JSON and printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _burn() -> None:
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test", help="a pytest node id")
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound loops beside the test")
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--stop-on-failure", action="store_true")
    args = parser.parse_args()

    name = args.test.rsplit("::", 1)[-1]
    out = args.json or ROOT / "benchmarks" / "results" / f"repeat-{name}.json"
    burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(args.busy)]
    for burner in burners:
        burner.start()
    runs: list[dict[str, object]] = []
    try:
        for index in range(1, args.runs + 1):
            began = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", args.test],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = round(time.monotonic() - began, 1)
            passed = result.returncode == 0
            tail = "" if passed else "\n".join((result.stdout + result.stderr).splitlines()[-40:])
            runs.append({"run": index, "passed": passed, "seconds": seconds, "tail": tail})
            print(
                f"run {index:>3}/{args.runs}: {'passed' if passed else 'FAILED'} in {seconds:.1f} s",
                flush=True,
            )
            if tail:
                print(tail, flush=True)
            if not passed and args.stop_on_failure:
                break
    finally:
        for burner in burners:
            burner.terminate()
    failed = sum(1 for run in runs if not run["passed"])
    report = {"test": args.test, "busy_loops": args.busy, "runs": len(runs), "failed": failed}
    report["results"] = runs
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{len(runs) - failed} of {len(runs)} passed ({args.busy} busy loops); results in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
