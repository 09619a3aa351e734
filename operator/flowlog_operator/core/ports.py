"""The narrow interface through which the engine reaches the cloud, and the failures it can see.

``cloud`` implements :class:`FlowLogCloud` and raises subclasses of :class:`CloudCallError`; the
engine catches only these, so it never depends on the HTTP client. A failure carries its
:class:`FailureKind`, which is all the loop needs to choose between a branch (not found), a slow
back-off that waits for a human (terminal) and a quick retry (retryable).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flowlog_operator.core.observation import CloudFlowLog


class FailureKind(enum.Enum):
    """What a failed cloud call means for the reconcile loop."""

    NOT_FOUND = "NotFound"
    TERMINAL = "Terminal"
    RETRYABLE = "Retryable"


class CloudCallError(Exception):
    """A cloud call that did not succeed; ``code`` is the Alibaba error code (or a transport code)."""

    kind: FailureKind = FailureKind.RETRYABLE

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str = "",
        action: str = "",
        kind: FailureKind | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}" + (f" (RequestId {request_id})" if request_id else ""))
        self.code = code
        self.message = message
        self.request_id = request_id
        self.action = action
        if kind is not None:
            self.kind = kind
        self._ambiguous = ambiguous

    @property
    def resource_already_has_flow_log(self) -> bool:
        """The API's answer to a second flow log on one resource (its code says NotFound, wrongly)."""
        return self.code == "InvalidResourceId.NotFound"

    @property
    def ambiguous(self) -> bool:
        """True when the call may have taken effect although no answer came back."""
        return self._ambiguous


@dataclass(frozen=True)
class CreateRequest:
    """Everything ``CreateFlowLog`` is sent, already in domain terms."""

    region_id: str
    resource_type: str
    resource_id: str
    traffic_type: str
    project_name: str | None = None
    log_store_name: str | None = None
    aggregation_interval: int | None = None
    traffic_path: Sequence[str] = ()
    ip_version: str | None = None
    flow_log_name: str | None = None
    description: str | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class FlowLogCloud(Protocol):
    """The operations the engine needs, one region at a time."""

    async def describe(
        self,
        region_id: str,
        *,
        flow_log_id: str | None = None,
        resource_id: str | None = None,
        tag: tuple[str, str] | None = None,
    ) -> list[CloudFlowLog]:
        """Every flow log matching all given filters (all pages)."""
        ...

    async def list_region(self, region_id: str, status: str | None = None) -> list[CloudFlowLog]:
        """Every flow log in the region (only those in ``status`` if given), paged 50 at a time."""
        ...

    async def create(self, request: CreateRequest) -> str:
        """Create a flow log; returns its ID."""
        ...

    async def modify(self, region_id: str, flow_log_id: str, changes: Mapping[str, str | int]) -> None:
        """``ModifyFlowLogAttribute`` with the given wire parameters (FlowLogName, Description, ...)."""
        ...

    async def activate(self, region_id: str, flow_log_id: str) -> None: ...

    async def deactivate(self, region_id: str, flow_log_id: str) -> None: ...

    async def delete(self, region_id: str, flow_log_id: str) -> None: ...

    async def tag(self, region_id: str, flow_log_id: str, tags: Mapping[str, str]) -> None: ...

    async def untag(self, region_id: str, flow_log_id: str, keys: Sequence[str]) -> None: ...

    async def move_resource_group(self, region_id: str, flow_log_id: str, resource_group_id: str) -> None: ...
