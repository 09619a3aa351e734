"""Run the operator only while this process holds the Lease ``flowlog-operator`` (leader election).

A standby does not start kopf at all: no watch, no handler, no cloud client; it serves ``/healthz`` and
campaigns every retry period. Once it holds the Lease it starts kopf and renews every retry period. The
moment it may no longer act (no renewal within the renew deadline, or another holder) it exits the
process (code 3, after one log line): the deadline is shorter than the lease, so it is silent before any
standby can take over, and the Deployment starts it again as a standby. Every cloud request and every
API-server write also asks the fence first, so a process that was frozen past its deadline (a paused
VM, a stopped process) exits on waking instead of acting. On SIGTERM the leader stops kopf, then gives
the Lease up (no holder), so a standby takes over within one retry period.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import NoReturn

from flowlog_operator import metrics
from flowlog_operator.election.elector import LeaderElector
from flowlog_operator.election.lease_api import LeaseApi
from flowlog_operator.wiring.config import OperatorConfig, OperatorConfigError
from flowlog_operator.wiring.health import HealthServer
from flowlog_operator.wiring.login import SERVICE_ACCOUNT, connection_info, lease_client

LEASE_NAME = "flowlog-operator"
EXIT_LEADERSHIP_LOST = 3
logger = logging.getLogger("flowlog_operator.election")


def lease_namespace(config: OperatorConfig, account: Path = SERVICE_ACCOUNT) -> str:
    """``FLOWLOG_LEADER_ELECTION_NAMESPACE``, else the Pod's own namespace; refused when neither exists."""
    if config.leader_election_namespace:
        return config.leader_election_namespace
    try:
        namespace = (account / "namespace").read_text(encoding="utf-8").strip()
    except OSError:
        namespace = ""
    if not namespace:
        raise OperatorConfigError(
            "FLOWLOG_LEADER_ELECTION_NAMESPACE: required with FLOWLOG_LEADER_ELECTION=true outside a Pod "
            f"(no {account / 'namespace'}); name the namespace of the Lease {LEASE_NAME}, "
            "or set FLOWLOG_LEADER_ELECTION=false for a single local process"
        )
    return namespace


def candidate_identity(environ: Mapping[str, str] = os.environ) -> str:
    """``holderIdentity``: the Pod's name (``POD_NAME``) or the host name, and the process ID."""
    return f"{environ.get('POD_NAME') or socket.gethostname()}_{os.getpid()}"


def stop_at_once(reason: str) -> NoReturn:
    """Leave now: no cleanup that could still write or call the cloud, no lease release."""
    logger.critical(
        "leadership lost (%s); exiting at once so that nothing acts after the lease could pass", reason
    )
    os._exit(EXIT_LEADERSHIP_LOST)


class Fence:
    """Asked right before every cloud request and API-server write: stops the process if it may not act."""

    def __init__(self, elector: LeaderElector, stop: Callable[[str], NoReturn] = stop_at_once) -> None:
        self._elector = elector
        self._stop = stop

    def __call__(self) -> None:
        if not self._elector.leading_now():
            self._stop(f"an action was about to start past the renew deadline of the {self._elector.api}")


OperatorStart = Callable[[Fence, asyncio.Event], Awaitable[None]]
"""Runs kopf until it stops (by ``stop`` or a signal), its cloud calls and writes asking ``fence``."""


async def run_elected(config: OperatorConfig, namespace: str, start_operator: OperatorStart) -> int:
    timings = config.lease_timings()
    client, headers = lease_client(connection_info(), timeout=timings.renew_deadline)
    api = LeaseApi(client, namespace=namespace, name=LEASE_NAME, headers=headers)
    elector = LeaderElector(api, candidate_identity(), timings)

    def status() -> dict[str, object]:
        return {
            "leader": elector.leading_now(),
            "identity": elector.identity,
            "holder": elector.holder,
            "lease": f"{namespace}/{LEASE_NAME}",
        }

    health = HealthServer(config.health_address, status) if config.health_address else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    metrics.LEADER.set(0)
    try:
        if health is not None:
            await health.start()
        logger.info("leader election: campaigning for the %s as %s", api, elector.identity)
        if not await _first(elector.campaign(), stop.wait()):
            logger.info("stopped while standing by")
            return 0
        metrics.LEADER.set(1)
        keeper = asyncio.create_task(_keep(elector))
        try:
            await start_operator(Fence(elector), stop)
        finally:
            keeper.cancel()
            metrics.LEADER.set(0)
            await elector.release()
        return 0
    finally:
        if health is not None:
            await health.stop()
        await client.aclose()


async def _first(campaign: Awaitable[None], stopped: Awaitable[bool]) -> bool:
    """Whether the campaign won before a stop signal."""
    winning = asyncio.ensure_future(campaign)
    stopping = asyncio.ensure_future(stopped)
    done, pending = await asyncio.wait({winning, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if winning in done:
        winning.result()  # a campaign that failed (not a refusal: those are retried) fails the process
        return True
    return False


async def _keep(elector: LeaderElector) -> None:
    """Renew until this process may no longer act, then stop it; a failing renewal loop stops it too."""
    try:
        reason = await elector.keep()
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever broke the renewals, the process must stop
        reason = f"the renewal loop failed: {type(error).__name__}: {error}"
    stop_at_once(reason)
