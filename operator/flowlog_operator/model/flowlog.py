"""The whole ``FlowLog`` object as the operator reads it from the API server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from flowlog_operator.model.base import CamelModel
from flowlog_operator.model.names import API_VERSION, KIND
from flowlog_operator.model.spec import FlowLogSpec
from flowlog_operator.model.status import FlowLogStatus


class ObjectMeta(CamelModel):
    """The part of ``metadata`` the operator uses; the rest is ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str
    namespace: str | None = None
    uid: str | None = None
    generation: int | None = None
    resource_version: str | None = None
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)


class FlowLog(CamelModel):
    """An Alibaba Cloud VPC flow log managed from Kubernetes."""

    model_config = ConfigDict(extra="ignore")

    api_version: Literal["vpc.alicloud.io/v1alpha1"] = API_VERSION
    kind: Literal["FlowLog"] = KIND
    metadata: ObjectMeta
    spec: FlowLogSpec
    status: FlowLogStatus = Field(default_factory=FlowLogStatus)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> FlowLog:
        """Parse an object as the API server (or kopf) hands it over."""
        return cls.model_validate(dict(body))
