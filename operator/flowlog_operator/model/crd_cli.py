"""``flowlog-operator crd``: print (or write, or check) the FlowLog CRD YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowlog_operator.model.crd import crd_yaml


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowlog-operator crd", description="Print the FlowLog CustomResourceDefinition as YAML."
    )
    parser.add_argument("-o", "--output", type=Path, help="write the CRD to this file instead of stdout")
    parser.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="exit 1 if FILE differs from the generated CRD (for CI), writing nothing",
    )
    return parser


def main(argv: list[str]) -> int:
    """Entry point called by the ``flowlog-operator`` dispatcher."""
    args = _parser().parse_args(argv)
    generated = crd_yaml()
    if args.check is not None:
        current = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
        if current != generated:
            print(
                f"{args.check} is stale; regenerate it with: flowlog-operator crd -o {args.check}",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(generated, encoding="utf-8")
        return 0
    sys.stdout.write(generated)
    return 0
