"""The Kubernetes side of one FlowLog as ``core`` sees it: spec, status and the control annotations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PAUSED_ANNOTATION = "vpc.alicloud.io/paused"
RECONCILE_REQUESTED_ANNOTATION = "vpc.alicloud.io/reconcile-requested-at"


class DesiredFlowLog(Protocol):
    """The spec fields a decision reads (``model.FlowLogSpec`` provides them)."""

    @property
    def region_id(self) -> str: ...
    @property
    def resource_type(self) -> str: ...
    @property
    def resource_id(self) -> str: ...
    @property
    def traffic_type(self) -> str: ...
    @property
    def project_name(self) -> str | None: ...
    @property
    def log_store_name(self) -> str | None: ...
    @property
    def aggregation_interval(self) -> int | None: ...
    @property
    def traffic_path(self) -> Sequence[str] | None: ...
    @property
    def ip_version(self) -> str | None: ...
    @property
    def flow_log_name(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def resource_group_id(self) -> str | None: ...
    @property
    def tags(self) -> Mapping[str, str] | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def deletion_policy(self) -> str: ...
    @property
    def adopt_flow_log_id(self) -> str | None: ...


@dataclass(frozen=True)
class ObjectView:
    """One FlowLog object, reduced to what decisions need. ``status`` is the wire (camelCase) form."""

    uid: str
    namespace: str
    name: str
    generation: int
    spec: DesiredFlowLog
    status: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    deleting: bool = False
    unstored: frozenset[str] = frozenset()
    """Status fields this process wrote that the API server has not shown back yet (they are laid over
    ``status`` so that a pass does not repeat the previous one, but nothing may rely on them being kept)."""
    stored_status: Mapping[str, Any] | None = None
    """The status as the API server showed it, where ``status`` has this process's writes laid over it."""

    @property
    def body_status(self) -> Mapping[str, Any]:
        return self.status if self.stored_status is None else self.stored_status

    @property
    def paused(self) -> bool:
        return self.annotations.get(PAUSED_ANNOTATION, "").strip().lower() in {"true", "1", "yes"}

    @property
    def reconcile_requested_at(self) -> str | None:
        return self.annotations.get(RECONCILE_REQUESTED_ANNOTATION)

    @property
    def known_flow_log_id(self) -> str | None:
        """The flow log this object points at: the one it created or adopted, else the one to adopt."""
        found = self.status.get("flowLogId")
        return str(found) if found else self.spec.adopt_flow_log_id

    @property
    def create_pending(self) -> bool:
        return bool(self.status.get("pendingCreate"))

    @property
    def create_pending_stored(self) -> bool:
        """The create-pending mark is pending *and* the API server has acknowledged it: only then may a
        create be sent (after a crash, the stored mark is what says a create may have been sent)."""
        return self.create_pending and "pendingCreate" not in self.unstored
