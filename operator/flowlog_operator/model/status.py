"""``FlowLog.status``: what the operator observed in the cloud and what it must remember.

Cloud-reported values (``cloudStatus``, ``businessStatus``, ``deliveryStatus``) are plain strings in
the schema, not enums: the operator reports what the cloud says, and a value the cloud adds later
must never make the status write fail. The known values are listed in the enums below for code.

``pendingCreate`` is the crash-safety mark: it is written (and shown back by the API server) before
``CreateFlowLog`` is called, and removed once the new flow log's ID is in ``flowLogId``, or once the
cloud refused the create with nothing left open. Finding it set means a create may have happened whose
answer was lost; the operator then looks for a flow log carrying the ownership tag valued
``pendingCreate.token`` and adopts it rather than creating a second one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field

from flowlog_operator.model.base import CamelModel
from flowlog_operator.model.conditions import Condition
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY


class CloudStatus(StrEnum):
    """The flow log states DescribeFlowLogs reports."""

    ACTIVATING = "Activating"
    ACTIVE = "Active"
    DEACTIVATING = "Deactivating"
    INACTIVE = "Inactive"
    DELETING = "Deleting"


class BusinessStatus(StrEnum):
    """The billing state DescribeFlowLogs reports."""

    NORMAL = "Normal"
    FINANCIAL_LOCKED = "FinancialLocked"


class DeliveryStatus(StrEnum):
    """Whether logs reach the logstore, as DescribeFlowLogs reports it."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


Generation = Annotated[int, Field(ge=0, json_schema_extra={"format": "int64"})]


class PendingCreate(CamelModel):
    """A CreateFlowLog call that may have happened but whose flow log ID is not recorded yet."""

    model_config = ConfigDict(extra="ignore")

    token: str = Field(
        min_length=1,
        max_length=128,
        description=f"Value of the ownership tag {OWNERSHIP_TAG_KEY} sent with the call (the object's UID).",
    )
    started_at: datetime = Field(description="When the operator was about to call CreateFlowLog.")
    outcome_unknown: bool | None = Field(
        default=None,
        description="A CreateFlowLog got no definite answer, so a flow log may exist: it is looked up by "
        "its ownership tag before any new create or release. Without it, a refused create leaves nothing.",
    )


class FlowLogStatus(CamelModel):
    """Observed state of the flow log, written only by the operator."""

    model_config = ConfigDict(extra="ignore")

    flow_log_id: str | None = Field(
        default=None, max_length=64, description="ID of the cloud flow log managed by this object (fl-...)."
    )
    cloud_status: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "State of the flow log in the cloud: Activating, Active, Deactivating, Inactive or Deleting."
        ),
    )
    business_status: str | None = Field(
        default=None,
        max_length=64,
        description="Billing state in the cloud: Normal, or FinancialLocked (locked for unpaid bills).",
    )
    delivery_status: str | None = Field(
        default=None,
        max_length=64,
        description="Whether logs reach the logstore: SUCCESS or FAILED.",
    )
    delivery_error: str | None = Field(
        default=None,
        max_length=1024,
        description=(
            "Why delivery fails, as the cloud says it: UnavaliableTarget (sic; the logstore is "
            "unavailable), ProjectNotExist or UnknownError."
        ),
    )
    # A string, not a date-time: it is copied from the cloud, and an unexpected format there must
    # not make the whole status write fail.
    creation_time: str | None = Field(
        default=None,
        max_length=64,
        description="When the cloud created the flow log, verbatim, e.g. 2021-01-21T03:08:50Z.",
    )
    resource_group_id: str | None = Field(
        default=None, max_length=64, description="Resource group the flow log is in, as observed."
    )
    tags: dict[str, str] | None = Field(
        default=None,
        description=f"Tags on the flow log, as observed, including the ownership tag {OWNERSHIP_TAG_KEY}.",
    )
    observed_generation: Generation | None = Field(
        default=None,
        description=(
            "metadata.generation of the spec the flow log in the cloud fully matches; it lags behind "
            "metadata.generation while an edit is being applied or cannot be."
        ),
    )
    conditions: list[Condition] | None = Field(
        default=None,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
        description="Ready and Synced, in the metav1.Condition shape.",
    )
    pending_create: PendingCreate | None = Field(
        default=None,
        description=(
            "Set just before CreateFlowLog is called and cleared once flowLogId is recorded; if found "
            "set, the operator adopts the flow log carrying its token instead of creating another."
        ),
    )
    failures: Annotated[int, Field(ge=0, json_schema_extra={"format": "int32"})] | None = Field(
        default=None,
        description=(
            "Consecutive failed reconcile passes for the current problem; it spaces out retries "
            "and is cleared by the next success."
        ),
    )
    last_handled_reconcile_at: str | None = Field(
        default=None,
        max_length=256,
        description=(
            "Value of the vpc.alicloud.io/reconcile-requested-at annotation the operator last acted on."
        ),
    )
    last_sync_time: datetime | None = Field(
        default=None, description="When the operator last compared this object with the cloud."
    )

    def condition(self, condition_type: str) -> Condition | None:
        """The condition of the given type, if present."""
        return next((item for item in self.conditions or () if item.type == condition_type), None)
