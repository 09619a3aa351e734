"""Conditions in the ``metav1.Condition`` shape, and the condition types the operator reports.

``Ready`` says whether the flow log is in the wanted state in the cloud; ``Synced`` says whether the
last reconcile pass of the current generation succeeded. ``lastTransitionTime`` changes only when a
condition's status changes.

One deliberate difference from ``metav1.Condition``: ``reason`` may contain dots, because the
operator uses Alibaba Cloud error codes (``InvalidResourceId.NotFound``, ``Throttling.User``) as
reasons, verbatim, so they can be searched for in the cloud's documentation.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final

from pydantic import ConfigDict, Field, StringConstraints

from flowlog_operator.model.base import CamelModel


class ConditionStatus(StrEnum):
    """The three values of a condition's status."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class ConditionType(StrEnum):
    """The condition types the operator owns."""

    READY = "Ready"
    SYNCED = "Synced"


# metav1.Condition's patterns, with '.' added to the reason (see the module docstring).
CONDITION_TYPE_PATTERN: Final = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
)
CONDITION_REASON_PATTERN: Final = r"^[A-Za-z]([A-Za-z0-9_.,:]*[A-Za-z0-9_])?$"


class Condition(CamelModel):
    """One aspect of the object's state (metav1.Condition shape)."""

    model_config = ConfigDict(extra="ignore")

    type: Annotated[str, StringConstraints(min_length=1, max_length=316, pattern=CONDITION_TYPE_PATTERN)] = (
        Field(description="Type of the condition: Ready or Synced (other types may be added by other tools).")
    )
    status: ConditionStatus = Field(description="Status of the condition: True, False or Unknown.")
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=1024, pattern=CONDITION_REASON_PATTERN)
    ] = Field(
        description=(
            "Machine-readable CamelCase reason for the last transition; an Alibaba Cloud error "
            "code (e.g. InvalidResourceId.NotFound) when the cloud refused a call."
        )
    )
    message: Annotated[str, StringConstraints(max_length=32768)] = Field(
        description="Human-readable details of the last transition; may be empty."
    )
    last_transition_time: datetime = Field(
        description="When the status of the condition last changed (not when it was last checked)."
    )
    observed_generation: Annotated[int, Field(ge=0, json_schema_extra={"format": "int64"})] | None = Field(
        default=None,
        description="metadata.generation of the spec the condition was computed from.",
    )
