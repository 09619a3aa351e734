"""``FlowLog.spec``: what the user wants, mirroring ``CreateFlowLog`` in camelCase.

Constraints come from the CreateFlowLog reference. Simple ones (lengths, patterns, enums, counts)
are plain schema keywords; the others are :class:`~flowlog_operator.model.cel.CelRule` objects so
that the API server refuses a bad manifest at ``kubectl apply`` with a message naming the field.
Fields the cloud cannot modify are immutable through CEL transition rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue

from flowlog_operator.model.base import CamelModel
from flowlog_operator.model.cel import CelRule, immutable, no_url_prefix, with_rules
from flowlog_operator.model.names import MAX_USER_TAGS, OWNERSHIP_TAG_KEY, RESERVED_TAG_PREFIX


class ResourceType(StrEnum):
    """What the flow log captures: one ENI, every ENI of a vSwitch, or every ENI of a VPC."""

    NETWORK_INTERFACE = "NetworkInterface"
    VSWITCH = "VSwitch"
    VPC = "VPC"


class TrafficType(StrEnum):
    """Which traffic is logged, by the verdict of access control."""

    ALL = "All"
    ALLOW = "Allow"
    DROP = "Drop"


class TrafficPath(StrEnum):
    """A traffic path (scenario) to capture; all covers every path."""

    ALL = "all"
    INTERNET_GATEWAY = "internetGateway"
    NAT_GATEWAY = "natGateway"
    VPN_GATEWAY = "vpnGateway"
    TRANSIT_ROUTER = "transitRouter"
    GATEWAY_ENDPOINT = "gatewayEndpoint"
    VBR = "vbr"
    ECR = "ecr"
    IPV4_GATEWAY = "ipv4Gateway"
    GATEWAY_LOAD_BALANCER_ENDPOINT = "gatewayLoadBalancerEndpoint"


class IpVersion(StrEnum):
    """The IP version of the captured traffic (the SDK spelling)."""

    IPV4 = "IPV4"
    DUAL_STACK = "DualStack"


class DeletionPolicy(StrEnum):
    """What happens to the cloud flow log when the FlowLog object is deleted."""

    DELETE = "Delete"
    RETAIN = "Retain"


# CreateFlowLog answers InvalidResourceType.NotFound when the ID does not match the type.
RESOURCE_ID_PREFIXES: Final[Mapping[ResourceType, str]] = {
    ResourceType.VPC: "vpc-",
    ResourceType.VSWITCH: "vsw-",
    ResourceType.NETWORK_INTERFACE: "eni-",
}

REGION_ID_PATTERN: Final = r"^[a-z]{2,}(-[a-z0-9]+)+$"
RESOURCE_ID_PATTERN: Final = r"^[a-z]+-[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
PROJECT_NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
LOGSTORE_NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$"
RESOURCE_GROUP_ID_PATTERN: Final = r"^rg-[a-z0-9]+$"
FLOW_LOG_ID_PATTERN: Final = r"^(fl|flowlog)-[a-z0-9]+$"
DEFAULT_AGGREGATION_INTERVAL: Final = 10
MAX_TAG_LENGTH: Final = 128


def _reject_bool(value: Any) -> Any:
    # bool is an int in Python, so Literal[1, ...] would take True; the API server would not.
    if isinstance(value, bool):
        raise ValueError("spec.aggregationInterval must be an integer: 1, 5 or 10")
    return value


def _tags_reserved(tags: Mapping[str, str]) -> bool:
    return not any(key.startswith(RESERVED_TAG_PREFIX) for key in tags)


RegionId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=REGION_ID_PATTERN)]
ResourceId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=RESOURCE_ID_PATTERN)]
ProjectName = Annotated[str, StringConstraints(min_length=3, max_length=63, pattern=PROJECT_NAME_PATTERN)]
LogStoreName = Annotated[str, StringConstraints(min_length=3, max_length=63, pattern=LOGSTORE_NAME_PATTERN)]
ResourceGroupId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=RESOURCE_GROUP_ID_PATTERN)
]
FlowLogId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=FLOW_LOG_ID_PATTERN)]
AggregationInterval = Annotated[Literal[1, 5, 10], BeforeValidator(_reject_bool)]

FlowLogName = Annotated[
    str, StringConstraints(min_length=1, max_length=128), no_url_prefix("spec.flowLogName")
]
Description = Annotated[
    str, StringConstraints(min_length=1, max_length=256), no_url_prefix("spec.description")
]


def _unique_paths(paths: list[TrafficPath]) -> list[TrafficPath]:
    # The API server enforces this through x-kubernetes-list-type: set, with its own message
    # ("spec.trafficPath[1]: Duplicate value: ..."); a CEL rule would only repeat it, less precisely.
    if len(set(paths)) != len(paths):
        raise ValueError("spec.trafficPath must not list a path twice")
    return paths


TRAFFIC_PATH_RULES: Final = (
    CelRule(
        rule="!('all' in self) || self.size() == 1",
        message="spec.trafficPath must not combine all with other paths: all already captures every path",
        check=lambda paths: TrafficPath.ALL not in paths or len(paths) == 1,
    ),
)

TagValue = Annotated[
    str,
    StringConstraints(max_length=MAX_TAG_LENGTH),
    CelRule(
        rule="!self.startsWith('aliyun') && !self.startsWith('acs:')",
        message="spec.tags values must not start with aliyun or acs:",
        check=lambda value: not value.startswith(("aliyun", "acs:")),
    ),
    CelRule(
        rule="!self.contains('http://') && !self.contains('https://')",
        message="spec.tags values must not contain http:// or https://",
        check=lambda value: "http://" not in value and "https://" not in value,
    ),
]

TAG_KEY_RULES: Final = (
    CelRule(
        rule=f"self.all(k, k.size() >= 1 && k.size() <= {MAX_TAG_LENGTH})",
        message=f"spec.tags keys must be 1 to {MAX_TAG_LENGTH} characters long",
        check=lambda tags: all(1 <= len(key) <= MAX_TAG_LENGTH for key in tags),
    ),
    CelRule(
        rule="self.all(k, !k.startsWith('aliyun') && !k.startsWith('acs:'))",
        message="spec.tags keys must not start with aliyun or acs:",
        check=lambda tags: not any(key.startswith(("aliyun", "acs:")) for key in tags),
    ),
    CelRule(
        rule="self.all(k, !k.contains('http://') && !k.contains('https://'))",
        message="spec.tags keys must not contain http:// or https://",
        check=lambda tags: not any("http://" in key or "https://" in key for key in tags),
    ),
    CelRule(
        rule=f"self.all(k, !k.startsWith('{RESERVED_TAG_PREFIX}'))",
        message=(
            f"spec.tags keys must not start with {RESERVED_TAG_PREFIX}: the prefix is reserved for the "
            f"operator's ownership tag {OWNERSHIP_TAG_KEY}"
        ),
        check=_tags_reserved,
    ),
)

_PREFIX_BY_TYPE_CEL = ", ".join(
    f"'{kind.value}': '{prefix}'" for kind, prefix in RESOURCE_ID_PREFIXES.items()
)


def _resource_id_matches_type(spec: FlowLogSpec) -> bool:
    return spec.resource_id.startswith(RESOURCE_ID_PREFIXES[spec.resource_type])


def _dual_stack_has_default_path(spec: FlowLogSpec) -> bool:
    return (
        spec.ip_version is not IpVersion.DUAL_STACK
        or spec.traffic_path is None
        or list(spec.traffic_path) == [TrafficPath.ALL]
    )


SPEC_RULES: Final = (
    CelRule(
        # has(): a missing required field is reported as such, not as a failed CEL rule as well.
        rule=(
            "!has(self.resourceId) || !has(self.resourceType)"
            f" || self.resourceId.startsWith({{{_PREFIX_BY_TYPE_CEL}}}[self.resourceType])"
        ),
        message=(
            "spec.resourceId must match spec.resourceType: vpc-... for VPC, vsw-... for VSwitch, "
            "eni-... for NetworkInterface"
        ),
        check=_resource_id_matches_type,
        field_path=".resourceId",
    ),
    CelRule(
        rule=(
            "!has(self.ipVersion) || self.ipVersion != 'DualStack' || !has(self.trafficPath)"
            " || self.trafficPath == ['all']"
        ),
        message=(
            "spec.trafficPath must be absent or [all] when spec.ipVersion is DualStack: "
            "dual-stack flow logs do not support a custom traffic path"
        ),
        check=_dual_stack_has_default_path,
        field_path=".trafficPath",
    ),
    CelRule(
        rule=(
            "(has(self.trafficPath) ? self.trafficPath : ['all'])"
            " == (has(oldSelf.trafficPath) ? oldSelf.trafficPath : ['all'])"
        ),
        message="spec.trafficPath is immutable (absent means [all]); delete and recreate the FlowLog",
        field_path=".trafficPath",
        reason="FieldValueForbidden",
    ),
    CelRule(
        rule=(
            "!has(oldSelf.adoptFlowLogId)"
            " || (has(self.adoptFlowLogId) && self.adoptFlowLogId == oldSelf.adoptFlowLogId)"
        ),
        message="spec.adoptFlowLogId is immutable once set: it can be added but not changed or removed",
        field_path=".adoptFlowLogId",
        reason="FieldValueForbidden",
    ),
)


def _spec_schema_extra(schema: JsonSchemaValue) -> None:
    schema.update(with_rules(schema, SPEC_RULES))


class FlowLogSpec(CamelModel):
    """The desired Alibaba Cloud VPC flow log; the fields mirror the CreateFlowLog API.

    Immutable fields (the cloud cannot change them) are refused on update: regionId, resourceType,
    resourceId, trafficType, projectName, logStoreName, trafficPath, and adoptFlowLogId once set.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_spec_schema_extra)

    region_id: Annotated[RegionId, immutable("spec.regionId")] = Field(
        description="Region of the flow log and of the captured resource, e.g. cn-hangzhou. Immutable."
    )
    resource_type: Annotated[ResourceType, immutable("spec.resourceType")] = Field(
        description=(
            "Type of the captured resource: NetworkInterface (one ENI), VSwitch (every ENI in the "
            "vSwitch) or VPC (every ENI in the VPC). Immutable."
        )
    )
    resource_id: Annotated[ResourceId, immutable("spec.resourceId")] = Field(
        description=(
            "ID of the captured resource; its prefix must match resourceType: vpc- for VPC, vsw- for "
            "VSwitch, eni- for NetworkInterface. Immutable."
        )
    )
    traffic_type: Annotated[TrafficType, immutable("spec.trafficType")] = Field(
        description=(
            "Traffic to log: All, Allow (allowed by access control) or Drop (denied by access "
            "control). Immutable."
        )
    )
    project_name: Annotated[ProjectName, immutable("spec.projectName")] = Field(
        description=(
            "Simple Log Service project that receives the logs: 3 to 63 lowercase letters, digits "
            "and hyphens, starting and ending with a letter or digit. Immutable."
        )
    )
    log_store_name: Annotated[LogStoreName, immutable("spec.logStoreName")] = Field(
        description=(
            "Logstore in projectName that stores the logs: 3 to 63 lowercase letters, digits, "
            "hyphens and underscores, starting and ending with a letter or digit. Immutable."
        )
    )
    aggregation_interval: AggregationInterval = Field(
        default=DEFAULT_AGGREGATION_INTERVAL,
        description="Aggregation (sampling) window in minutes: 1, 5 or 10. Defaults to 10. Mutable.",
    )
    traffic_path: (
        Annotated[
            list[TrafficPath],
            Field(
                min_length=1, max_length=len(TrafficPath), json_schema_extra={"x-kubernetes-list-type": "set"}
            ),
            AfterValidator(_unique_paths),
            *TRAFFIC_PATH_RULES,
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "Traffic paths to capture, without repeats: all, or any of internetGateway, natGateway, "
            "vpnGateway, transitRouter, gatewayEndpoint, vbr, ecr, ipv4Gateway, "
            "gatewayLoadBalancerEndpoint (custom paths need the feature enabled on the account). "
            "all cannot be combined with other paths. Absent means the cloud default, all. "
            "Must be absent or [all] when ipVersion is DualStack. Immutable."
        ),
    )
    ip_version: IpVersion | None = Field(
        default=None,
        description=(
            "IP version of the captured traffic: IPV4 or DualStack. Absent means the cloud default. Mutable."
        ),
    )
    flow_log_name: FlowLogName | None = Field(
        default=None,
        description=(
            "Name of the flow log: 1 to 128 characters, not starting with http:// or https://. Mutable."
        ),
    )
    description: Description | None = Field(
        default=None,
        description=(
            "Description of the flow log: 1 to 256 characters, not starting with http:// or https://. "
            "Mutable."
        ),
    )
    resource_group_id: ResourceGroupId | None = Field(
        default=None,
        description=(
            "Resource group of the flow log, e.g. rg-acfmxazdjdhd. Absent means the account's default "
            "group. Mutable (the flow log is moved)."
        ),
    )
    tags: (
        Annotated[
            dict[str, TagValue],
            Field(max_length=MAX_USER_TAGS),
            *TAG_KEY_RULES,
        ]
        | None
    ) = Field(
        default=None,
        description=(
            f"Tags of the flow log, at most {MAX_USER_TAGS} (the cloud allows 20 and the operator adds "
            f"its ownership tag {OWNERSHIP_TAG_KEY}). Keys: 1 to 128 characters; values: 0 to 128 "
            "characters; neither may start with aliyun or acs: or contain http:// or https://; keys "
            f"under {RESERVED_TAG_PREFIX} are reserved. Mutable."
        ),
    )
    enabled: StrictBool = Field(
        default=True,
        description=(
            "Whether the flow log captures traffic: true keeps it Active, false keeps it Inactive "
            "(ActiveFlowLog / DeactiveFlowLog). Defaults to true. Mutable."
        ),
    )
    deletion_policy: DeletionPolicy = Field(
        default=DeletionPolicy.DELETE,
        description=(
            "What deleting this object does to the cloud flow log: Delete deletes it, Retain leaves it "
            "in place (and untouched). Defaults to Delete. Mutable."
        ),
    )
    adopt_flow_log_id: FlowLogId | None = Field(
        default=None,
        description=(
            "ID of an existing flow log (fl-...) to manage instead of creating a new one. Its "
            "resource, traffic type, project and logstore must match this spec. Immutable once "
            "set: it may be added later (for example when creation is refused because the resource "
            "already has a flow log) but never changed or removed."
        ),
    )

    @model_validator(mode="after")
    def _check_spec_rules(self) -> FlowLogSpec:
        for rule in SPEC_RULES:
            rule.validate(self)
        return self
