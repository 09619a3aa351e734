"""Translate a kopf body into ``core``'s :class:`ObjectView`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flowlog_operator.core.view import ObjectView
from flowlog_operator.model.spec import FlowLogSpec


def object_view(body: Mapping[str, Any], *, deleting: bool | None = None) -> ObjectView:
    """The view of a FlowLog body; raises pydantic's ValidationError for a spec the schema let through."""
    metadata = body.get("metadata", {})
    return ObjectView(
        uid=str(metadata.get("uid", "")),
        namespace=str(metadata.get("namespace", "")),
        name=str(metadata.get("name", "")),
        generation=int(metadata.get("generation") or 0),
        spec=FlowLogSpec.model_validate(dict(body.get("spec") or {})),
        status=dict(body.get("status") or {}),
        annotations=dict(metadata.get("annotations") or {}),
        deleting=bool(metadata.get("deletionTimestamp")) if deleting is None else deleting,
    )


def created_at(body: Mapping[str, Any]) -> datetime | None:
    stamp = body.get("metadata", {}).get("creationTimestamp")
    if not stamp:
        return None
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
