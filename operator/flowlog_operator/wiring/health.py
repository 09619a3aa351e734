"""``/healthz`` of a process under leader election, the same endpoint whether it leads or stands by.

Without election kopf serves the liveness endpoint itself. With election, a standby does not start kopf
at all, yet Kubernetes must not restart it: this small server answers from the process's own event
loop for its whole life (so a blocked loop fails the probe, as with kopf's), with what it knows of the
election: ``{"leader": false, "identity": "...", "holder": "...", "lease": "ns/name"}``. A process
that loses the lease exits rather than report unhealthy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiohttp import web

Status = Callable[[], Mapping[str, object]]


class HealthServer:
    """Serves ``GET /healthz`` on ``host:port`` with the JSON ``status()`` returns."""

    def __init__(self, address: str, status: Status) -> None:
        host, _colon, port = address.rpartition(":")
        self._host = host or "0.0.0.0"  # noqa: S104 - a probe comes from the kubelet, off the pod
        self._port = int(port)
        self._status = status
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self._status()))
