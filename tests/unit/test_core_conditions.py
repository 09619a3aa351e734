"""Conditions keep their lastTransitionTime unless their status really changes."""

from datetime import UTC, datetime

from flowlog_operator.core.conditions import Condition, merge_conditions

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def test_same_status_with_a_new_reason_keeps_the_transition_time() -> None:
    first = merge_conditions([], [Condition("Ready", "False", "Creating")], now=T0, generation=1)
    second = merge_conditions(first, [Condition("Ready", "False", "Activating")], now=T1, generation=1)
    assert second[0]["lastTransitionTime"] == "2026-11-28T10:00:00Z"
    assert second[0]["reason"] == "Activating"


def test_a_real_transition_moves_the_time_and_records_the_generation() -> None:
    first = merge_conditions([], [Condition("Ready", "False", "Creating")], now=T0, generation=1)
    second = merge_conditions(first, [Condition("Ready", "True", "Available")], now=T1, generation=2)
    assert second[0]["lastTransitionTime"] == "2026-11-28T11:00:00Z"
    assert second[0]["observedGeneration"] == 2


def test_conditions_of_other_types_are_kept() -> None:
    foreign = {"type": "Custom", "status": "True", "reason": "X", "lastTransitionTime": "t"}
    merged = merge_conditions([foreign], [Condition("Ready", "True", "Available")], now=T0, generation=1)
    assert [c["type"] for c in merged] == ["Ready", "Custom"]
