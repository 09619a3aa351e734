"""What a scale run reads from the outside: process CPU and memory, API-server writes, emulator calls."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")
_REQUEST = re.compile(r"^apiserver_request_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')
WRITE_VERBS = frozenset({"PATCH", "POST", "PUT"})
WATCHED_RESOURCES = frozenset({"flowlogs", "events"})


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of ``pid`` (utime + stime from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of ``pid`` in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            out[key] = int(rest.split()[0]) * 1024
    return out


def apiserver_writes(metrics_text: str) -> dict[str, float]:
    """``apiserver_request_total`` for flowlogs and events, write verbs only, keyed ``resource/sub VERB``."""
    totals: dict[str, float] = {}
    for line in metrics_text.splitlines():
        match = _REQUEST.match(line)
        if not match:
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        if labels.get("resource") not in WATCHED_RESOURCES or labels.get("verb") not in WRITE_VERBS:
            continue
        key = labels["resource"] + (f"/{labels['subresource']}" if labels.get("subresource") else "")
        key += f" {labels['verb']}"
        totals[key] = totals.get(key, 0.0) + float(match["value"])
    return totals


def diff(after: Mapping[str, float], before: Mapping[str, float]) -> dict[str, float]:
    keys = set(after) | set(before)
    return {
        k: after.get(k, 0.0) - before.get(k, 0.0) for k in sorted(keys) if after.get(k, 0) != before.get(k, 0)
    }


def calls_by_action(detail: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The emulator's ``/_emulator/calls?detail=1`` as {action: {total, ok, throttled, outcomes}}."""
    out = {}
    for action, entry in detail.items():
        outcomes = dict(entry.get("outcomes") or {})
        out[action] = {
            "total": int(entry.get("total", 0)),
            "ok": int(outcomes.get("OK", 0)),
            "throttled": int(sum(v for k, v in outcomes.items() if k.startswith("Throttling"))),
            "outcomes": outcomes,
        }
    return out


def percentile(values: Iterable[float], q: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
