"""Combine the JSON results of several scale runs into one set of tables and one plot.

The N = 3,000 runs take long enough to be run on their own (``benchmarks/run.py --sizes 3000 ...``);
this puts them beside the others, as ``docs/performance.md`` shows them:

    .venv/bin/python benchmarks/combine.py benchmarks/results/scale.json \\
        benchmarks/results/scale-3000.json --plot benchmarks/results/scale.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from scale import report  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="JSON files written by benchmarks/run.py")
    parser.add_argument("--plot", type=Path, help="write the combined PNG plot here")
    args = parser.parse_args(argv)
    documents = [json.loads(path.read_text()) for path in args.results]
    combined = {**documents[0], "runs": [run for document in documents for run in document["runs"] if run]}
    print(report.tables(combined))
    if args.plot:
        print(f"plot: {report.plot(combined, args.plot)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
