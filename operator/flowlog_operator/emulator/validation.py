"""Parameter rules of the FlowLog API (reference sections 1.1-1.8 and 7.6), each naming the parameter."""

from __future__ import annotations

import re

from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.inventory import RESOURCE_TYPES
from flowlog_operator.emulator.wire import Params

TRAFFIC_TYPES = ("All", "Allow", "Drop")
AGGREGATION_INTERVALS = (1, 5, 10)
IP_VERSIONS = ("IPV4", "DualStack")
TRAFFIC_PATHS = (
    "all",
    "internetGateway",
    "natGateway",
    "vpnGateway",
    "transitRouter",
    "gatewayEndpoint",
    "vbr",
    "ecr",
    "ipv4Gateway",
    "gatewayLoadBalancerEndpoint",
)
MAX_TAGS = 20
MAX_PAGE_SIZE = 50
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_LOGSTORE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
_RESOURCE_GROUP_ID = re.compile(r"^rg-[a-z0-9]{4,40}$")


def resource_type(value: str) -> str:
    if value not in RESOURCE_TYPES:
        raise ApiError(
            "OperationUnsupported.ResourceType", f"ResourceType {value!r}: use one of {RESOURCE_TYPES}."
        )
    return value


def traffic_type(value: str) -> str:
    if value not in TRAFFIC_TYPES:
        raise ApiError("ParameterInvalid", f"TrafficType {value!r}: use one of {TRAFFIC_TYPES}.")
    return value


def display_text(params: Params, name: str, max_length: int) -> str | None:
    """FlowLogName and Description: 1..max_length characters, no ``http(s)://`` prefix."""
    value = params.raw(name)
    if value is None:
        return None
    if not 1 <= len(value) <= max_length:
        raise ApiError("ParameterInvalid", f"{name} must be 1 to {max_length} characters long.")
    if value.startswith(("http://", "https://")):
        raise ApiError("ParameterInvalid", f"{name} must not start with http:// or https://.")
    return value


def aggregation_interval(params: Params) -> int | None:
    value = params.get("AggregationInterval")
    if value is None:
        return None
    if (
        not (value.isascii() and value.isdigit() and len(value) <= 2)
        or int(value) not in AGGREGATION_INTERVALS
    ):
        raise ApiError(
            "IllegalParam.AggregationInterval", f"AggregationInterval {value[:20]!r}: use 1, 5 or 10."
        )
    return int(value)


def ip_version(params: Params) -> str | None:
    """Accepted case-insensitively (the docs spell it ``IPv4``), returned in the SDK spelling."""
    value = params.get("IpVersion")
    if value is None:
        return None
    for known in IP_VERSIONS:
        if value.lower() == known.lower():
            return known
    raise ApiError("IllegalParam.IpVersion", f"IpVersion {value!r}: use one of {IP_VERSIONS}.")


def traffic_paths(params: Params) -> list[str]:
    values: list[str] = []
    for name, value in params.indexed("TrafficPath", code="IllegalParam.TrafficPath"):
        if value not in TRAFFIC_PATHS:
            raise ApiError("IllegalParam.TrafficPath", f"{name} {value!r}: use one of {TRAFFIC_PATHS}.")
        if value in values:
            raise ApiError("DuplicatedParam.TrafficPath", f"{name} repeats {value!r}.")
        values.append(value)
    return values


def project_name(value: str) -> str:
    if not _PROJECT_NAME.match(value):
        raise ApiError(
            "ParameterInvalid",
            "ProjectName must be 3-63 lowercase letters, digits or '-', "
            "starting and ending with a letter or digit.",
        )
    return value


def log_store_name(value: str) -> str:
    if not _LOGSTORE_NAME.match(value):
        raise ApiError(
            "ParameterInvalid",
            "LogStoreName must be 3-63 lowercase letters, digits, '-' or '_', "
            "starting and ending with a letter or digit.",
        )
    return value


def resource_group_id(value: str, known: list[str], name: str = "ResourceGroupId") -> str:
    """Well formed always; when the inventory lists resource groups, one of them."""
    if not _RESOURCE_GROUP_ID.match(value) or (known and value not in known):
        raise ApiError("IllegalParam.ResourceGroupId", f"{name} {value!r} is invalid or does not exist.")
    return value


def _tag_text(name: str, value: str, *, allow_empty: bool, code: str) -> None:
    if not value and not allow_empty:
        raise ApiError(code, f"{name} must not be empty.")
    if len(value) > 128:
        raise ApiError(code, f"{name} must be at most 128 characters long.")
    if value.lower().startswith(("aliyun", "acs:")):
        raise ApiError(code, f"{name} must not start with aliyun or acs:.")
    if "http://" in value or "https://" in value:
        raise ApiError(code, f"{name} must not contain http:// or https://.")


def tags(params: Params, prefix: str = "Tag", code: str = "INVALID_PARAMETER") -> dict[str, str]:
    """``Prefix.N.Key``/``Prefix.N.Value`` pairs: at most 20, keys non-empty, no reserved prefixes."""
    found = params.indexed_objects(prefix, ("Key", "Value"), code=code)
    if len(found) > MAX_TAGS:
        raise ApiError(code, f"{prefix}.N: at most {MAX_TAGS} tags, got {len(found)}.")
    result: dict[str, str] = {}
    for name, tag in found:
        key, value = tag["Key"] or "", tag["Value"] or ""
        _tag_text(f"{name}.Key", key, allow_empty=False, code=code)
        _tag_text(f"{name}.Value", value, allow_empty=True, code=code)
        result[key] = value
    return result


def page(params: Params, *, default_size: int = 20) -> tuple[int, int]:
    number = params.integer("PageNumber")
    size = params.integer("PageSize")
    number = 1 if number is None else number
    size = default_size if size is None else size
    if number < 1:
        raise ApiError("InvalidParameter", f"PageNumber {number} must be at least 1.")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError("InvalidParameter", f"PageSize {size} must be between 1 and {MAX_PAGE_SIZE}.")
    return number, size


def flowlog_resource_type(value: str, name: str = "ResourceType") -> None:
    """Tag and resource-group calls name the resource type ``FLOWLOG``, in any case."""
    if value.lower() != "flowlog":
        raise ApiError("InvalidResourceType", f"{name} {value!r}: only FLOWLOG is supported.")
