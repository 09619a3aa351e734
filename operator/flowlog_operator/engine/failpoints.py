"""Test-only crash points: ``FLOWLOG_FAILPOINTS=after-create`` makes the process kill itself there.

End-to-end tests use them to prove crash safety at the dangerous moments (right after a cloud call
returned and before its result reached the API server). Unset, every check is a dictionary lookup.
Each named point fires once per process unless suffixed ``*`` (``after-create*``).
"""

from __future__ import annotations

import os
import signal
import sys

ENVIRONMENT_VARIABLE = "FLOWLOG_FAILPOINTS"


class Failpoints:
    def __init__(self, spec: str | None = None) -> None:
        raw = os.environ.get(ENVIRONMENT_VARIABLE, "") if spec is None else spec
        self._armed: dict[str, bool] = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            self._armed[item.rstrip("*")] = item.endswith("*")

    def hit(self, name: str) -> None:
        """Kill this process with SIGKILL if ``name`` is armed."""
        if name not in self._armed:
            return
        if not self._armed[name]:
            del self._armed[name]
        print(f"failpoint {name}: killing the process", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
