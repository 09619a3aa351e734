"""``flowlog-operator run``: start the operator with kopf against the current kubeconfig or in-cluster.

Settings come from ``FLOWLOG_*`` variables (see ``wiring.config`` and ``cloud.settings``) and the
flags below; credentials from the Alibaba Cloud standard variables or RRSA. A bad setting stops the
process at start with one line naming it. With ``FLOWLOG_LEADER_ELECTION=true`` kopf starts only once
this process holds the Lease (see ``wiring.election``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import kopf
from prometheus_client import start_http_server

from flowlog_operator import metrics
from flowlog_operator.cloud.port import CloudPort
from flowlog_operator.cloud.redaction import install_log_redaction
from flowlog_operator.cloud.settings import CloudSettings, CloudSettingsError
from flowlog_operator.engine.reconciler import Reconciler
from flowlog_operator.model.names import GROUP
from flowlog_operator.wiring.config import OperatorConfig, OperatorConfigError
from flowlog_operator.wiring.election import Fence, lease_namespace, run_elected
from flowlog_operator.wiring.handlers import (
    DIFF_BASE_KEY,
    KOPF_STORAGE_PREFIX,
    ExpectedWaitFilter,
    Handlers,
    register,
)
from flowlog_operator.wiring.login import LoginError, fenced_login, login

FINALIZER = f"{GROUP}/finalizer"
API_ERROR_BACKOFFS = (1, 1, 2, 3, 5, 8, 13, 21, 30, 30, 30, 30, 30, 30)
logger = logging.getLogger("flowlog_operator")


class Runtime:
    """What exists only while the operator runs: the cloud connection and the reconciler."""

    def __init__(
        self, config: OperatorConfig, cloud_settings: CloudSettings, fence: Callable[[], None] | None = None
    ) -> None:
        self.config = config
        self.cloud_settings = cloud_settings
        self.fence = fence
        self.cloud: CloudPort | None = None
        self.reconciler: Reconciler | None = None

    def get_reconciler(self) -> Reconciler:
        if self.reconciler is None:
            raise RuntimeError("the operator has not started")
        return self.reconciler

    async def startup(self, settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_STORAGE_PREFIX)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=KOPF_STORAGE_PREFIX, key=DIFF_BASE_KEY
        )
        settings.posting.reporting_component = "flowlog-operator"
        settings.posting.level = logging.INFO
        settings.watching.chunk_size = 500
        settings.scanning.disabled = True
        # kopf gives up a request after about a minute of refused connections and 5xx (its default),
        # and a daemon whose write gives up ends for good. An API server being upgraded or restarted
        # can be away longer; keep retrying for about four minutes before escalating.
        settings.networking.error_backoffs = API_ERROR_BACKOFFS
        # A handler that raised is retried after the same delay the stall watch expects (retry_max).
        settings.execution.default_backoff = self.config.timing().retry_max
        self.cloud = await CloudPort.connect(self.cloud_settings, fence=self.fence)
        self.reconciler = Reconciler(
            self.cloud,
            timing=self.config.timing(),
            batching=self.config.batch_observation,
            resync_jitter=self.config.resync_jitter,
        )
        logger.info("flowlog-operator started; cloud endpoint %s", self.cloud.endpoint)

    async def cleanup(self, **_: Any) -> None:
        if self.reconciler is not None:
            await self.reconciler.aclose()
        if self.cloud is not None:
            await self.cloud.aclose()


def build_registry(runtime: Runtime) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    kopf.on.startup(registry=registry)(runtime.startup)
    kopf.on.cleanup(registry=registry)(runtime.cleanup)
    kopf.on.login(registry=registry)(fenced_login(runtime.fence) if runtime.fence else login)
    register(registry, Handlers(runtime.get_reconciler))
    return registry


def serve_metrics(address: str) -> None:
    if address:
        host, _colon, port = address.rpartition(":")
        start_http_server(int(port), addr=host or "0.0.0.0", registry=metrics.REGISTRY)  # noqa: S104


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flowlog-operator run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="watch this namespace (repeatable); default: all",
    )
    parser.add_argument(
        "--log-format", choices=["plain", "full", "json"], help="overrides FLOWLOG_LOG_FORMAT"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    try:
        config = OperatorConfig.load()
        cloud_settings = CloudSettings.load()
        namespace_of_lease = lease_namespace(config) if config.leader_election else ""
    except (OperatorConfigError, CloudSettingsError) as error:
        print(f"flowlog-operator: {error}", file=sys.stderr)
        return 2
    namespaces = list(args.namespace) or list(config.namespaces)
    log_format = args.log_format or config.log_format
    kopf.configure(verbose=args.verbose or config.verbose, log_format=kopf.LogFormat[log_format.upper()])
    logging.getLogger("kopf.objects").addFilter(ExpectedWaitFilter())
    # No credential in any log line, traceback or Event kopf posts from one (kopf.objects records reach
    # kopf's Event poster before the root handler).
    install_log_redaction("kopf.objects", handlers=logging.getLogger().handlers)
    if not (args.verbose or config.verbose):
        # One line per cloud call is debugging detail; cloud failures are logged by the engine.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    serve_metrics(config.metrics_address)
    if config.leader_election:

        async def start_operator(fence: Fence, stop: asyncio.Event) -> None:
            runtime = Runtime(config, cloud_settings, fence)
            await kopf.operator(
                registry=build_registry(runtime),
                standalone=True,
                clusterwide=not namespaces,
                namespaces=namespaces,
                stop_flag=stop,
            )

        try:
            return asyncio.run(run_elected(config, namespace_of_lease, start_operator))
        except LoginError as error:
            print(f"flowlog-operator: {error}", file=sys.stderr)
            return 2
    metrics.LEADER.set(1)
    runtime = Runtime(config, cloud_settings)
    liveness = f"http://{config.health_address}/healthz" if config.health_address else None
    try:
        kopf.run(
            registry=build_registry(runtime),
            standalone=True,
            clusterwide=not namespaces,
            namespaces=namespaces,
            liveness_endpoint=liveness,
        )
    except KeyboardInterrupt:
        return 130
    finally:
        asyncio.set_event_loop(None)
    return 0
