"""Emulator settings for the suites that prove the operator's own guard against duplicate flow logs.

The cloud refuses a second flow log on a resource that has one; ``SEVERAL_PER_RESOURCE`` lifts that
refusal, so that in the crash, kill and fault suites only the operator's guard stands between a crash
or a lost answer and a duplicate. ``thirty_percent_faults`` fails 30 % of write calls, a third of them
after the action ran (the "CreateFlowLog succeeded but its answer was lost" case), the rest before it.
"""

from __future__ import annotations

from typing import Any

SEVERAL_PER_RESOURCE = "--allow-several-flowlogs-per-resource"
# The emulator holds a "timeout" lost answer this long: past the operator's default 10 s read timeout.
LOST_ANSWER_HOLD_SECONDS = 12


def thirty_percent_faults(seed: int, **extra: Any) -> dict[str, Any]:
    """20 % of calls fail before the action (throttled, 5xx, dropped); 10 % of writes lose their answer."""
    return {
        "error_rates": {"Throttling.User": 0.08, "ServiceUnavailable": 0.03, "InternalError": 0.03},
        "drop_rate": 0.06,
        "lost_answer_rates": {
            "drop": 0.04,
            "timeout": 0.02,
            "InternalError": 0.02,
            "ServiceUnavailable": 0.02,
        },
        "lost_answer_hold_seconds": LOST_ANSWER_HOLD_SECONDS,
        "seed": seed,
        **extra,
    }


def failed_calls(detail: dict[str, Any]) -> int:
    """Calls whose action did not end OK (faulted before it ran, or refused), from ``?detail=1``."""
    return sum(entry["total"] - entry["outcomes"].get("OK", 0) for entry in detail.values())


def lost_answers(detail: dict[str, Any]) -> dict[str, int]:
    """Answers lost after the action ran, per action, from ``/_emulator/calls?detail=1``."""
    return {
        action: sum(entry["lost_answers"].values())
        for action, entry in detail.items()
        if entry.get("lost_answers")
    }


def assert_several_per_resource_allowed(account: dict[str, Any]) -> None:
    """The suite runs against an emulator that would accept a duplicate: only the operator can prevent it."""
    assert account["allow_several_flowlogs_per_resource"] is True, "the emulator would hide a duplicate"
