"""The emulator as a real subprocess, for tests of any tier.

``EmulatorProcess`` starts ``python -m flowlog_operator emulator --port 0``,
waits (with a deadline) for its one ready line, and offers the admin interface
as plain methods. Standard library and httpx only, so any test can use it.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

READY_PREFIX = "emulator listening on "


class EmulatorError(RuntimeError):
    """The emulator process did not start, or an admin call was refused."""


class EmulatorProcess:
    def __init__(self, *extra_args: str, ready_timeout: float = 30.0) -> None:
        self.extra_args = list(extra_args)
        self.ready_timeout = ready_timeout
        self.port = 0
        self.host = "127.0.0.1"
        self._process: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the object
        self._http = httpx.Client(timeout=10.0)

    # life cycle

    def start(self) -> EmulatorProcess:
        if self._process is not None:
            raise EmulatorError("already running")
        command = [
            sys.executable,
            "-m",
            "flowlog_operator",
            "emulator",
            "--host",
            self.host,
            "--port",
            str(self.port),
            *self.extra_args,
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, args=(self._process, lines), daemon=True).start()
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                if self._process.poll() is not None:
                    break
                continue
            if line.startswith(READY_PREFIX):
                self.port = int(line[len(READY_PREFIX) :].strip().rsplit(":", 1)[1])
                return self
        self.stop()
        raise EmulatorError(f"emulator did not become ready in {self.ready_timeout}s:\n{self.stderr()}")

    @staticmethod
    def _drain(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate by PID, then kill if it lingers."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if process.stdout is not None:
            process.stdout.close()

    def restart(self) -> EmulatorProcess:
        """Stop and start again on the same port with the same arguments (so the same state file)."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        self._http.close()
        self._stderr.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start() if self._process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    # addresses

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """``host:port`` for the Alibaba SDK's ``Config.endpoint``."""
        return f"{self.host}:{self.port}"

    # admin interface

    def _admin(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        response = self._http.request(
            method, f"{self.url}/_emulator/{path}", json=body, params=params or None
        )
        if response.status_code >= 400:
            raise EmulatorError(f"{method} /_emulator/{path}: {response.status_code} {response.text}")
        return response.json()

    def calls(self, *, detail: bool = False) -> dict[str, Any]:
        return dict(self._admin("GET", "calls", detail="1") if detail else self._admin("GET", "calls"))

    def call_log(self) -> list[dict[str, Any]]:
        """Each call: ``time`` (arrival, Unix seconds), ``action``, ``accessKeyId``, ``outcome``."""
        return list(self._admin("GET", "calls/log"))

    def clear_calls(self) -> None:
        self._admin("DELETE", "calls")

    def flowlogs(self) -> list[dict[str, Any]]:
        return list(self._admin("GET", "flowlogs"))

    def flowlog(self, flow_log_id: str) -> dict[str, Any]:
        return dict(self._admin("GET", f"flowlogs/{flow_log_id}"))

    def edit_flowlog(self, flow_log_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Out-of-band change; fields named as DescribeFlowLogs names them (Status, Description, Tags)."""
        return dict(self._admin("POST", f"flowlogs/{flow_log_id}", changes))

    def delete_flowlog(self, flow_log_id: str) -> None:
        """Out-of-band deletion: gone at once."""
        self._admin("DELETE", f"flowlogs/{flow_log_id}")

    def inventory(self) -> dict[str, Any]:
        return dict(self._admin("GET", "inventory"))

    def merge_inventory(self, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(self._admin("POST", "inventory", doc))

    def replace_inventory(self, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(self._admin("PUT", "inventory", doc))

    def faults(self) -> dict[str, Any]:
        return dict(self._admin("GET", "faults"))

    def set_faults(self, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(self._admin("POST", "faults", doc))

    def account(self) -> dict[str, Any]:
        return dict(self._admin("GET", "account"))

    def set_account(self, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(self._admin("POST", "account", doc))

    def rate_limits(self) -> dict[str, Any]:
        return dict(self._admin("GET", "rate-limits"))

    def set_rate_limits(self, doc: dict[str, Any]) -> dict[str, Any]:
        return dict(self._admin("POST", "rate-limits", doc))

    def reset(self) -> None:
        self._admin("POST", "reset")

    def issue_sts_credentials(self, oidc_token: str = "oidc-token") -> dict[str, str]:  # noqa: S107
        """STS credentials the emulator accepts (AccessKeyId, AccessKeySecret, SecurityToken, Expiration).

        Asked for as RRSA asks: an unsigned AssumeRoleWithOIDC.
        """
        response = self._http.post(
            self.url,
            data={
                "Action": "AssumeRoleWithOIDC",
                "Version": "2015-04-01",
                "RoleArn": "acs:ram::1234567890:role/flowlog-operator",
                "OIDCProviderArn": "acs:ram::1234567890:oidc-provider/ack-rrsa-emulator",
                "OIDCToken": oidc_token,
            },
        )
        if response.status_code >= 400:
            raise EmulatorError(f"AssumeRoleWithOIDC: {response.status_code} {response.text}")
        return dict(response.json()["Credentials"])

    def wait_for_status(
        self, flow_log_id: str, status: str | None, timeout: float = 10.0
    ) -> dict[str, Any] | None:
        """Poll the admin view until the flow log has ``status`` (``None``: until it is gone)."""
        deadline = time.monotonic() + timeout
        seen: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            seen = next((f for f in self.flowlogs() if f["FlowLogId"] == flow_log_id), None)
            if (seen is None and status is None) or (seen is not None and seen["Status"] == status):
                return seen
            time.sleep(0.05)
        raise EmulatorError(f"{flow_log_id} did not reach {status!r} in {timeout}s; last seen {seen}")


def state_file_in(directory: Path) -> list[str]:
    """The ``--state-file`` arguments for a state file inside ``directory``."""
    return ["--state-file", str(directory / "emulator-state.json")]
