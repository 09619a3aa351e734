"""Pydantic types of the FlowLog custom resource: the single source of its CRD schema.

The lowest layer: it imports nothing of the operator's other layers, no kopf, no Kubernetes client.

- :class:`FlowLog` (``metadata``, ``spec``, ``status``), :class:`FlowLogSpec`, :class:`FlowLogStatus`,
  :class:`PendingCreate`, :class:`Condition`;
- the enums of spec values and of cloud-reported values;
- the fixed names (group, kind, plural, ``OWNERSHIP_TAG_KEY``);
- :func:`crd_manifest` / :func:`crd_yaml`, the generated CustomResourceDefinition.
"""

from flowlog_operator.model.conditions import Condition, ConditionStatus, ConditionType
from flowlog_operator.model.crd import crd_manifest, crd_yaml
from flowlog_operator.model.flowlog import FlowLog, ObjectMeta
from flowlog_operator.model.names import (
    API_VERSION,
    CRD_NAME,
    GROUP,
    KIND,
    MAX_CLOUD_TAGS,
    MAX_USER_TAGS,
    OWNERSHIP_TAG_KEY,
    PLURAL,
    RESERVED_TAG_PREFIX,
    VERSION,
)
from flowlog_operator.model.spec import (
    DEFAULT_AGGREGATION_INTERVAL,
    RESOURCE_ID_PREFIXES,
    DeletionPolicy,
    FlowLogSpec,
    IpVersion,
    ResourceType,
    TrafficPath,
    TrafficType,
)
from flowlog_operator.model.status import (
    BusinessStatus,
    CloudStatus,
    DeliveryStatus,
    FlowLogStatus,
    PendingCreate,
)

__all__ = [
    "API_VERSION",
    "CRD_NAME",
    "DEFAULT_AGGREGATION_INTERVAL",
    "GROUP",
    "KIND",
    "MAX_CLOUD_TAGS",
    "MAX_USER_TAGS",
    "OWNERSHIP_TAG_KEY",
    "PLURAL",
    "RESERVED_TAG_PREFIX",
    "RESOURCE_ID_PREFIXES",
    "VERSION",
    "BusinessStatus",
    "CloudStatus",
    "Condition",
    "ConditionStatus",
    "ConditionType",
    "DeletionPolicy",
    "DeliveryStatus",
    "FlowLog",
    "FlowLogSpec",
    "FlowLogStatus",
    "IpVersion",
    "ObjectMeta",
    "PendingCreate",
    "ResourceType",
    "TrafficPath",
    "TrafficType",
    "crd_manifest",
    "crd_yaml",
]
