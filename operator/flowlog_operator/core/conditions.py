"""Kubernetes conditions (metav1.Condition shape) recomputed each pass, with honest transition times.

``lastTransitionTime`` moves only when a condition's ``status`` really changes; a new reason or
message on the same status keeps the old time (the rule ACK breaks by rewriting it every pass).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

ConditionStatus = Literal["True", "False", "Unknown"]

READY = "Ready"
SYNCED = "Synced"


@dataclass(frozen=True)
class Condition:
    """A condition as the decision wants it, before transition times are merged in."""

    type: str
    status: ConditionStatus
    reason: str
    message: str = ""


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with second precision, as Kubernetes writes ``metav1.Time``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_conditions(
    previous: Iterable[Mapping[str, Any]],
    wanted: Iterable[Condition],
    *,
    now: datetime,
    generation: int,
) -> list[dict[str, Any]]:
    """Return the wire form of ``wanted``, keeping each unchanged status's ``lastTransitionTime``.

    Conditions of other types found in ``previous`` are kept untouched, after ours.
    """
    by_type = {str(item.get("type")): item for item in previous}
    merged: list[dict[str, Any]] = []
    for condition in wanted:
        old = by_type.pop(condition.type, None)
        if old is not None and old.get("status") == condition.status and old.get("lastTransitionTime"):
            since = str(old["lastTransitionTime"])
        else:
            since = format_time(now)
        merged.append(
            {
                "type": condition.type,
                "status": condition.status,
                "reason": condition.reason,
                "message": condition.message,
                "lastTransitionTime": since,
                "observedGeneration": generation,
            }
        )
    merged.extend(dict(item) for item in by_type.values())
    return merged


def find_condition(conditions: Iterable[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    """The condition of type ``kind`` in a wire-form list, if any."""
    return next((item for item in conditions if item.get("type") == kind), None)
