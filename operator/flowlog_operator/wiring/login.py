"""How the operator reaches the API server, for kopf and for the Lease alike.

In a Pod it uses the ServiceAccount (token, CA, namespace files); elsewhere the current kubeconfig: kopf's
own ``login_with_service_account`` / ``login_with_kubeconfig``, never the official client's loader. The
same ``kopf.ConnectionInfo`` becomes an httpx client for the Lease, which reads the ServiceAccount token
again before every request (it rotates), and, with leader election, kopf's aiohttp session, which asks
the fence before every write.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import kopf

from flowlog_operator.election.lease_api import Headers

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginError(RuntimeError):
    """Neither a ServiceAccount nor a kubeconfig is available."""


def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """In a pod: the ServiceAccount; elsewhere: the kubeconfig (never the official client's loader)."""
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


def connection_info() -> kopf.ConnectionInfo:
    info = login(settings=kopf.OperatorSettings())
    if info is None:
        raise LoginError("no ServiceAccount token and no kubeconfig (KUBECONFIG or ~/.kube/config)")
    return info


def lease_client(
    info: kopf.ConnectionInfo, *, timeout: float, account: Path = SERVICE_ACCOUNT
) -> tuple[httpx.AsyncClient, Headers]:
    """An httpx client for ``info.server`` and the credentials to send with each request."""
    context: ssl.SSLContext = info.as_ssl_context()
    client = httpx.AsyncClient(
        base_url=info.server,
        verify=context,
        timeout=timeout,
        trust_env=info.trust_env,
        headers={"accept": "application/json", "user-agent": "flowlog-operator"},
    )
    token_file = account / "token"
    static = dict(info.as_http_headers())
    if info.token and token_file.is_file():

        def service_account() -> Mapping[str, str]:
            token = token_file.read_text(encoding="utf-8").strip()
            return {"Authorization": f"Bearer {token}"} if token else static

        return client, service_account
    return client, lambda: static


LoginHandler = Callable[..., Awaitable[kopf.AiohttpSession | None]]


def fenced_login(fence: Callable[[], None]) -> LoginHandler:
    """kopf's login, as an aiohttp session that asks ``fence()`` before every request that writes."""

    async def before_request(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        if params.method not in READ_METHODS:
            fence()

    async def login_fenced(**kwargs: Any) -> kopf.AiohttpSession | None:
        info = login(**kwargs)
        if info is None:
            return None
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(before_request)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ssl=info.as_ssl_context()),
            headers=info.as_http_headers(),
            proxy=info.proxy_url,
            trust_env=info.trust_env,
            trace_configs=[trace],
        )
        return kopf.AiohttpSession(
            server=info.server, default_namespace=info.default_namespace, aiohttp_session=session
        )

    return login_fenced
