"""A Kubernetes API proxy that loses answers or refuses writes, for the operator's resilience tests.

The operator talks plain HTTP on loopback to :class:`LosingProxy`, which forwards every request (watch
streams included) to the real API server over TLS with the kubeconfig's own credentials. Its rule
decides, per request: forward it; *lose* it (forward it, let the API server execute it, then cut the
operator's connection before any answer: what a client sees when an API server restarts right after
committing a write); *refuse* it (answer 409 Conflict without forwarding: a write that did not happen);
or answer *unavailable* (503 without forwarding, as in a partial partition). Every request is recorded
with its arrival time (``requests``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import aiohttp
import yaml
from aiohttp import web

from support.controlplane import free_port, write_kubeconfig

Verdict = Literal["forward", "lose", "refuse", "unavailable"]
Rule = Callable[[str, str, str, bytes], Verdict]
"""(method, path, content type, body) -> what to do with the request."""

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}


def first_json_patch_of_each(plural: str) -> Rule:
    """Lose the answer to the first JSON patch of each object of ``plural`` (kopf's finalizer patch)."""
    seen: set[str] = set()
    pattern = re.compile(rf"/{re.escape(plural)}/([^/?]+)$")

    def rule(method: str, path: str, content_type: str, body: bytes) -> Verdict:
        match = pattern.search(path)
        if method != "PATCH" or "json-patch" not in content_type or match is None or match[1] in seen:
            return "forward"
        seen.add(match[1])
        return "lose"

    return rule


class StatusWriteRefusal:
    """Refuse every status write that carries ``field`` while ``active``; count the refusals."""

    def __init__(self, field: str) -> None:
        self.field = field.encode()
        self.active = True
        self.refused = 0

    def __call__(self, method: str, path: str, content_type: str, body: bytes) -> Verdict:
        if self.active and method == "PATCH" and path.endswith("/status") and self.field in body:
            self.refused += 1
            return "refuse"
        return "forward"


class LosingProxy:
    """Runs in a thread of its own; ``kubeconfig`` points a client at it."""

    def __init__(self, upstream_kubeconfig: Path, rule: Rule) -> None:
        config = yaml.safe_load(upstream_kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        self._upstream = str(cluster["server"]).rstrip("/")
        self._files = Path(tempfile.mkdtemp(prefix="apiproxy-"))
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self._ssl = ssl.create_default_context(cadata=ca)
        if "client-certificate-data" in user:
            cert, key = self._files / "client.crt", self._files / "client.key"
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            self._ssl.load_cert_chain(str(cert), str(key))
        self._token = user.get("token")
        self._rule = rule
        self.lost: list[str] = []
        self.refused: list[str] = []
        self.requests: list[tuple[float, str, str]] = []
        """(arrival, method, path) of every request, in arrival order (wall-clock seconds)."""
        self.port = free_port()
        self.kubeconfig = write_kubeconfig(
            self._files / "proxy.kubeconfig",
            f"http://127.0.0.1:{self.port}",
            "",
            {"token": "through-the-proxy"},
            "losing-proxy",
        )
        # kopf reads no CA for an http server; an empty one would confuse other readers.
        text = json.loads(self.kubeconfig.read_text())
        del text["clusters"][0]["cluster"]["certificate-authority-data"]
        self.kubeconfig.write_text(json.dumps(text))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="losing-proxy", daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def __enter__(self) -> LosingProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl), timeout=aiohttp.ClientTimeout(total=None)
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._session is not None:
            await self._session.close()  # ends the watch streams still open
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers still streaming a watch to a client that never hung up: end them here, not at exit.
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        dropped = _HOP_BY_HOP | {"authorization"}
        headers = {k: v for k, v in request.headers.items() if k.lower() not in dropped}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        self.requests.append((time.time(), request.method, request.path))
        body = await request.read()
        verdict = self._rule(request.method, request.path, request.headers.get("Content-Type", ""), body)
        if verdict == "unavailable":
            return web.Response(status=503, text="unavailable through the test proxy")
        if verdict == "refuse":
            self.refused.append(f"{request.method} {request.path}")
            status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 409}
            status |= {"reason": "Conflict", "message": "refused by the test proxy"}
            return web.json_response(status, status=409)
        lose = verdict == "lose"
        async with self._session.request(
            request.method, self._upstream + request.path_qs, headers=headers, data=body or None
        ) as upstream:
            if lose:
                await upstream.read()  # the API server has done it; the answer goes nowhere
                self.lost.append(f"{request.method} {request.path} -> {upstream.status}")
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=502)  # never sent: the connection is gone
            response = web.StreamResponse(
                status=upstream.status,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP},
            )
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
            except (aiohttp.ClientError, ConnectionError):
                # The API server or the client went away mid-stream (a watch at shutdown): cut it too.
                request.transport.close() if request.transport is not None else None
                return response
            await response.write_eof()
            return response

    def lost_answers(self) -> list[str]:
        return list(self.lost)
