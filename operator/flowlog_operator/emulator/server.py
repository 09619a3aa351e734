"""Running the emulator in-process: ``async with run_emulator(EmulatorConfig(...)) as server``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from flowlog_operator.emulator.app import build_app
from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.runtime import EmulatorRuntime


@dataclass(frozen=True)
class RunningEmulator:
    host: str
    port: int
    runtime: EmulatorRuntime

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """``host:port``, the form the Alibaba SDK's ``Config.endpoint`` expects."""
        return f"{self.host}:{self.port}"


@asynccontextmanager
async def run_emulator(
    config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time
) -> AsyncIterator[RunningEmulator]:
    """Serve until the block exits; ``config.port == 0`` picks a free port (see ``.port``)."""
    config = config or EmulatorConfig()
    runtime = EmulatorRuntime(config, clock=clock)
    runner = web.AppRunner(build_app(runtime), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
    await site.start()
    try:
        port = int(runner.addresses[0][1]) if runner.addresses else config.port
        yield RunningEmulator(config.host, port, runtime)
    finally:
        runtime.stopping.set()  # wakes every injected pause, so stopping never waits for one
        await runner.cleanup()
