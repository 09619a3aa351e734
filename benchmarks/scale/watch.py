"""Follow every FlowLog of a namespace through ``kubectl get --watch --output-watch-events -o json``.

Records, per object, when it was first seen, when it was first seen Active (and Ready, Synced, observed),
and when its DELETED event arrived, all as wall-clock seconds. The watch is restarted if kubectl exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from support.flowlogs import is_active


@dataclass
class Seen:
    created: float  # metadata.creationTimestamp (whole seconds)
    first_seen: float
    active_at: float | None = None
    deleted_at: float | None = None


class Watcher:
    def __init__(self, kubectl: str, kubeconfig: str, namespace: str) -> None:
        self._command = [
            kubectl,
            "get",
            "flowlogs",
            "-n",
            namespace,
            "--watch",
            "--output-watch-events",
            "-o",
            "json",
        ]
        self._env = {**os.environ, "KUBECONFIG": kubeconfig}
        self.objects: dict[str, Seen] = {}
        self.events = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)
        self._thread.join(10)

    def counts(self) -> tuple[int, int, int]:
        """(objects seen, objects Active at least once, objects deleted)."""
        with self._lock:
            seen = list(self.objects.values())
        return (
            len(seen),
            sum(1 for s in seen if s.active_at is not None),
            sum(1 for s in seen if s.deleted_at is not None),
        )

    def snapshot(self) -> dict[str, Seen]:
        with self._lock:
            return dict(self.objects)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._process = subprocess.Popen(
                self._command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self._env
            )
            assert self._process.stdout is not None
            fd = self._process.stdout.fileno()
            decoder = json.JSONDecoder()
            buffer = ""
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                buffer += chunk.decode()
                position = 0
                while True:
                    while position < len(buffer) and buffer[position].isspace():
                        position += 1
                    try:
                        event, position = decoder.raw_decode(buffer, position)
                    except ValueError:
                        break
                    self._record(event, time.time())
                buffer = buffer[position:]
            self._process.wait()
            if not self._stop.is_set():
                time.sleep(0.5)  # kubectl exited (watch timeout, API server restart): watch again

    def _record(self, event: dict[str, Any], now: float) -> None:
        obj = event.get("object") or {}
        metadata = obj.get("metadata") or {}
        name = metadata.get("name")
        if not name:
            return
        with self._lock:
            self.events += 1
            seen = self.objects.get(name)
            if seen is None:
                stamp = metadata.get("creationTimestamp", "")
                created = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if stamp else now
                seen = self.objects[name] = Seen(created=created, first_seen=now)
            if seen.active_at is None and is_active(obj):
                seen.active_at = now
            if event.get("type") == "DELETED" and seen.deleted_at is None:
                seen.deleted_at = now
