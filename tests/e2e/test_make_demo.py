"""The README's main-job command: ``make demo`` brings the samples to Active on a local control plane."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_takes_every_sample_to_active_and_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo.py"), "--exit-when-ready", "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout[result.stdout.index("NAME ") :].splitlines()
    samples = sorted(p.stem for p in (ROOT / "manifests" / "samples").glob("flowlog-*.yaml"))
    rows = [line for line in table[1:] if line.strip()]
    assert len(rows) == len(samples)
    assert all(" Active " in row and " True " in row for row in rows), table
