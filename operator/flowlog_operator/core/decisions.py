"""The actions a reconcile pass can take; each maps to at most one mutating cloud call.

A :class:`Decision` names the one action of this pass together with the conditions and status
fields that hold if the action succeeds (or if there is nothing to do), the Events to post and when
to look again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowlog_operator.core.conditions import Condition
from flowlog_operator.core.ports import CreateRequest


@dataclass(frozen=True)
class MarkCreatePending:
    """Persist the create-pending mark; the create call happens on a later pass, once it is stored."""


@dataclass(frozen=True)
class Create:
    request: CreateRequest


@dataclass(frozen=True)
class Modify:
    flow_log_id: str
    changes: Mapping[str, str | int]


@dataclass(frozen=True)
class Activate:
    flow_log_id: str


@dataclass(frozen=True)
class Deactivate:
    flow_log_id: str


@dataclass(frozen=True)
class Tag:
    flow_log_id: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class Untag:
    flow_log_id: str
    keys: Sequence[str]


@dataclass(frozen=True)
class MoveResourceGroup:
    flow_log_id: str
    resource_group_id: str


@dataclass(frozen=True)
class Delete:
    flow_log_id: str


Action = (
    MarkCreatePending | Create | Modify | Activate | Deactivate | Tag | Untag | MoveResourceGroup | Delete
)
CLOUD_ACTIONS: dict[type[Any], str] = {
    Create: "CreateFlowLog",
    Modify: "ModifyFlowLogAttribute",
    Activate: "ActiveFlowLog",
    Deactivate: "DeactiveFlowLog",
    Tag: "TagResources",
    Untag: "UnTagResources",
    MoveResourceGroup: "MoveResourceGroup",
    Delete: "DeleteFlowLog",
}


@dataclass(frozen=True)
class Event:
    """A Kubernetes Event to post on the object."""

    reason: str
    message: str
    warning: bool = False


@dataclass(frozen=True)
class Decision:
    """The outcome of one pass: what to do, what to report, when to come back.

    ``status`` holds status fields to set (``None`` removes a field); ``on_success`` more fields that
    hold only once the action succeeded (the transient state it starts). ``requeue_after`` is in
    seconds; ``None`` means the object is settled until the next resync. ``release`` is set when
    a deletion is complete and the finalizer may go.
    """

    action: Action | None
    conditions: tuple[Condition, ...]
    status: Mapping[str, Any] = field(default_factory=dict)
    on_success: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None
    release: bool = False
    why: str = ""
