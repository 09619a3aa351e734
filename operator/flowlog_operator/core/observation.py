"""What the operator knows about the cloud side of one FlowLog, as plain immutable values.

The engine fills an :class:`Observation` before every pass; ``core`` decides from it without
calling anything. ``CloudFlowLog`` is the cloud's flow log reduced to the fields a decision needs,
independent of the wire format (the ``cloud`` layer maps its records onto it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

TRANSIENT_STATUSES = frozenset({"Activating", "Deactivating", "Deleting"})
"""Cloud states in which the flow log refuses every change; the operator waits them out."""


@dataclass(frozen=True)
class CloudFlowLog:
    """One flow log as ``DescribeFlowLogs`` reports it."""

    flow_log_id: str
    region_id: str
    status: str
    resource_type: str
    resource_id: str
    traffic_type: str
    project_name: str = ""
    log_store_name: str = ""
    flow_log_name: str = ""
    description: str = ""
    aggregation_interval: int | None = None
    ip_version: str = ""
    traffic_path: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    resource_group_id: str = ""
    business_status: str = ""
    creation_time: str = ""
    deliver_status: str = ""
    deliver_error: str = ""

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_STATUSES


@dataclass(frozen=True)
class Observation:
    """The cloud as seen at ``observed_at`` for one object.

    ``flow_log`` is the flow log the object points at (by ``status.flowLogId`` or the adoption ID),
    or ``None`` when that ID is unknown to the cloud or no ID is known yet. ``owned`` lists every flow
    log carrying this object's ownership tag; it is filled only when the object has no ID yet (crash
    recovery), and is ``None`` when that lookup was not made.
    """

    observed_at: datetime
    flow_log: CloudFlowLog | None = None
    owned: tuple[CloudFlowLog, ...] | None = None
    resource_holder: CloudFlowLog | None = None
