"""``flowlog-operator emulator``: serve the VPC FlowLog API emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import signal
import sys
from pathlib import Path

from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.faults import (
    DEFAULT_HOLD_SECONDS,
    LOST_DROP,
    LOST_ERROR_CODES,
    LOST_TIMEOUT,
    FaultSettings,
)
from flowlog_operator.emulator.inventory import InventoryError, load_inventory_document
from flowlog_operator.emulator.ratelimit import DEFAULT_RATE_LIMITS, parse_rate_limit
from flowlog_operator.emulator.server import run_emulator
from flowlog_operator.emulator.state import MAX_FLOWLOG_QUOTA


def _access_key(text: str) -> tuple[str, str]:
    key_id, sep, secret = text.partition(":")
    if not sep or not key_id or not secret:
        raise argparse.ArgumentTypeError(f"access key {text!r} is not ID:SECRET")
    return key_id, secret


def _named_rate(text: str) -> tuple[str, float]:
    name, sep, rate = text.partition("=")
    try:
        return name, float(rate) if sep else float("nan")
    except ValueError:
        raise argparse.ArgumentTypeError(f"fault {text!r} is not NAME=RATE") from None


def _seconds(text: str) -> float:
    """A finite, non-negative number of seconds (``inf`` or ``nan`` would freeze the state machine)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def _quota(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_FLOWLOG_QUOTA:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to {MAX_FLOWLOG_QUOTA}")
    return int(text)


def _rate_limit(text: str) -> tuple[str, object]:
    try:
        return parse_rate_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowlog-operator emulator", description=__doc__)
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8765, help="port to listen on; 0 picks a free one (default 8765)")
    add(
        "--access-key",
        action="append",
        type=_access_key,
        default=[],
        metavar="ID:SECRET",
        help="accept this key pair besides emulator/emulator-secret (repeatable)",
    )
    add(
        "--activation-delay",
        type=_seconds,
        default=2.0,
        metavar="SECONDS",
        help="Activating -> Active (default 2)",
    )
    add(
        "--deactivation-delay",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="Deactivating -> Inactive (default 1)",
    )
    add(
        "--deletion-delay", type=_seconds, default=1.0, metavar="SECONDS", help="Deleting -> gone (default 1)"
    )
    add("--quota", type=_quota, default=50, metavar="N", help="flow logs allowed per region (default 50)")
    add("--service-disabled", action="store_true", help="start with the flow log service not opened")
    add(
        "--allow-several-flowlogs-per-resource",
        action="store_true",
        help="accept a second flow log on a resource that has one (the cloud refuses it with "
        "InvalidResourceId.NotFound); for crash and fault tests that must prove the client's own "
        "duplicate guard",
    )
    add("--inventory", type=Path, metavar="FILE", help="YAML inventory replacing the built-in one")
    add(
        "--state-file",
        type=Path,
        metavar="FILE",
        help="persist state here after every change; reload at start",
    )
    add(
        "--rate-limit",
        action="append",
        type=_rate_limit,
        default=[],
        metavar="ACTION=N/SECONDS",
        help="override one action's flow control (repeatable)",
    )
    add("--no-rate-limits", action="store_true", help="switch flow control off")
    add(
        "--fault-error",
        action="append",
        type=_named_rate,
        default=[],
        metavar="CODE=RATE",
        help="answer this error code for a fraction of calls, before the action runs (repeatable)",
    )
    add("--fault-latency-ms", type=float, default=0.0, help="added latency per call")
    add("--fault-latency-jitter-ms", type=float, default=0.0, help="extra random latency up to this much")
    add(
        "--fault-drop-rate",
        type=float,
        default=0.0,
        help="fraction of calls whose connection is closed unanswered before the action runs",
    )
    add(
        "--fault-lost-answer",
        action="append",
        type=_named_rate,
        default=[],
        metavar="MODE=RATE",
        help="for this fraction of write calls, run the action, keep its effect, and lose the answer "
        f"(repeatable); MODE is {LOST_DROP} (close the connection), {LOST_TIMEOUT} (hold it "
        "--fault-lost-answer-hold seconds, then close it) or a 5xx code "
        f"({', '.join(LOST_ERROR_CODES)})",
    )
    add(
        "--fault-lost-answer-hold",
        type=float,
        default=DEFAULT_HOLD_SECONDS,
        metavar="SECONDS",
        help=f"how long the {LOST_TIMEOUT} mode holds a connection (default {DEFAULT_HOLD_SECONDS:g}, "
        "longer than the usual 10 s client read timeout)",
    )
    add("--fault-actions", default=None, metavar="A,B", help="restrict faults to these actions")
    add("--fault-seed", type=int, default=None, help="seed for reproducible fault decisions")
    add(
        "--max-clock-skew",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="allowed timestamp skew (default 900)",
    )
    add(
        "--sts-duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="force the lifetime of every STS credential issued (may be below the usual 900)",
    )
    add("--oidc-token", default=None, metavar="TOKEN", help="AssumeRoleWithOIDC accepts only this token")
    add("--log-level", default="WARNING", help="Python logging level (default WARNING)")
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    rate_limits = dict(DEFAULT_RATE_LIMITS)
    rate_limits.update(dict(args.rate_limit))
    faults = FaultSettings(
        error_rates=dict(args.fault_error),
        latency_ms=args.fault_latency_ms,
        latency_jitter_ms=args.fault_latency_jitter_ms,
        drop_rate=args.fault_drop_rate,
        lost_answer_rates=dict(args.fault_lost_answer),
        lost_answer_hold_seconds=args.fault_lost_answer_hold,
        actions=args.fault_actions.split(",") if args.fault_actions else None,
        seed=args.fault_seed,
    )
    faults.validate()
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        access_keys={"emulator": "emulator-secret", **dict(args.access_key)},
        activation_delay=args.activation_delay,
        deactivation_delay=args.deactivation_delay,
        deletion_delay=args.deletion_delay,
        flowlog_quota=args.quota,
        service_enabled=not args.service_disabled,
        allow_several_flowlogs_per_resource=args.allow_several_flowlogs_per_resource,
        inventory=load_inventory_document(args.inventory) if args.inventory else None,
        state_file=args.state_file,
        rate_limits=rate_limits,
        rate_limits_enabled=not args.no_rate_limits,
        faults=faults,
        max_clock_skew_seconds=args.max_clock_skew,
        sts_duration_seconds=args.sts_duration,
        expected_oidc_token=args.oidc_token,
    )


async def serve(config: EmulatorConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with run_emulator(config) as server:
        print(f"emulator listening on {server.url}", flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = config_from_args(args)
    except (ValueError, InventoryError, OSError) as exc:
        print(f"flowlog-operator emulator: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        print(f"flowlog-operator emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
