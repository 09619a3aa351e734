"""The operator as its own process (``python -m flowlog_operator run``), for end-to-end tests.

``OperatorProcess`` points the operator at a kubeconfig and an emulator, waits for its liveness
endpoint with a deadline, and can stop it politely or kill it with SIGKILL (crash tests), with
optional failpoints that make it kill itself at a chosen moment. It runs without leader election
(the local default) unless ``env`` turns it on (see ``support.election``); under election the liveness
endpoint answers as soon as the process campaigns, leader or not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from support.controlplane import free_port, wait_for

EMULATOR_KEY = ("emulator", "emulator-secret")


class OperatorProcess:
    def __init__(
        self,
        kubeconfig: Path,
        emulator_url: str,
        *,
        namespaces: tuple[str, ...] = (),
        failpoints: str = "",
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        access_key: tuple[str, str] = EMULATOR_KEY,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.emulator_url = emulator_url
        self.namespaces = namespaces
        self.failpoints = failpoints
        self.extra_env = dict(env or {})
        self.args = args
        self.access_key = access_key
        self.health_port = free_port()
        self.metrics_port = free_port()
        self.log_path = Path(tempfile.mkdtemp(prefix="flowlog-operator-")) / "operator.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWLOG_", "ALIBABA_CLOUD_"))}
        env.update(
            {
                "KUBECONFIG": str(self.kubeconfig),
                "FLOWLOG_VPC_ENDPOINT": self.emulator_url,
                "FLOWLOG_ALLOW_INSECURE_ENDPOINT": "true",
                "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key[0],
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.access_key[1],
                "FLOWLOG_HEALTH_ADDRESS": f"127.0.0.1:{self.health_port}",
                "FLOWLOG_METRICS_ADDRESS": f"127.0.0.1:{self.metrics_port}",
                "FLOWLOG_POLL_SECONDS": "0.5",
                "FLOWLOG_RETRY_SECONDS": "0.5",
                "FLOWLOG_TERMINAL_SECONDS": "2",
                "FLOWLOG_TERMINAL_MAX_SECONDS": "8",
                "FLOWLOG_LOG_FORMAT": "plain",
            }
        )
        if self.failpoints:
            env["FLOWLOG_FAILPOINTS"] = self.failpoints
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0) -> OperatorProcess:
        if self.running:
            raise RuntimeError("operator already running")
        command = [sys.executable, "-m", "flowlog_operator", "run", *self.args]
        for namespace in self.namespaces:
            command += ["--namespace", namespace]
        log = self.log_path.open("ab")
        log.write(f"--- start {self.starts + 1}: {' '.join(command)}\n".encode())
        log.flush()
        self._process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=self.environment(), start_new_session=True
        )
        log.close()
        self.starts += 1
        wait_for(self._healthy, timeout, f"operator liveness on port {self.health_port}\n{self.tail()}")
        return self

    def _healthy(self) -> bool:
        if self._process is None or self._process.poll() is not None:
            raise RuntimeError(f"operator exited during start-up:\n{self.tail()}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        """The exit code once the process has ended (``None`` while it runs or before it started)."""
        return self._process.poll() if self._process else None

    def health(self) -> dict[str, object]:
        return dict(httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=5).json())

    def freeze(self) -> None:
        """SIGSTOP: the process keeps its sockets and timers but runs nothing until ``thaw``."""
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no final status write, exactly like a crash."""
        if self._process is not None and self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)

    def wait_exit(self, timeout: float) -> int:
        assert self._process is not None
        return self._process.wait(timeout=timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it lingers; the exit code stays readable (``returncode``)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text

    def tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> OperatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
