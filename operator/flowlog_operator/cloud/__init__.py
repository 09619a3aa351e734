"""Async client of the Alibaba Cloud VPC FlowLog API: signing, credentials, retries, error mapping.

Public surface (everything else is an implementation detail)::

    from flowlog_operator.cloud import FlowLogClient, CloudSettings, credentials_from_environment

    async with FlowLogClient(credentials_from_environment(), CloudSettings.load()) as client:
        async for flow_log in client.iter_flow_logs(DescribeFlowLogsRequest(region_id="cn-hangzhou")):
            ...

Errors are drawn in `flowlog_operator.cloud.errors`; the retry rules of CreateFlowLog in
`flowlog_operator.cloud.client`.
"""

from flowlog_operator.cloud.client import API_VERSION, PAGE_SIZE, FlowLogClient
from flowlog_operator.cloud.credentials import (
    Credentials,
    CredentialsProvider,
    OidcRoleCredentialsProvider,
    StaticCredentialsProvider,
    credentials_from_environment,
)
from flowlog_operator.cloud.endpoints import InsecureEndpointError, resolve_sts_endpoint, resolve_vpc_endpoint
from flowlog_operator.cloud.errors import (
    ERROR_TABLE,
    AmbiguousResultError,
    CloudError,
    CloudTransportError,
    CredentialsError,
    ErrorKind,
    FlowLogNotFound,
    ResourceAlreadyHasFlowLog,
    RetryableCloudError,
    TerminalCloudError,
    ThrottledError,
    classify_code,
    is_resource_already_has_flow_log,
)
from flowlog_operator.cloud.models import (
    ActiveFlowLogRequest,
    CreateFlowLogRequest,
    CreateFlowLogResponse,
    DeactiveFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    DescribeFlowLogsResponse,
    FlowLog,
    GetFlowLogServiceStatusRequest,
    GetFlowLogServiceStatusResponse,
    ListTagResourcesRequest,
    ListTagResourcesResponse,
    ModifyFlowLogAttributeRequest,
    MoveResourceGroupRequest,
    OpenFlowLogServiceRequest,
    OpenFlowLogServiceResponse,
    RequestIdResponse,
    SuccessResponse,
    TagResource,
    TagResourcesRequest,
    UnTagResourcesRequest,
)
from flowlog_operator.cloud.ratelimit import DEFAULT_RATE_LIMITS, RateLimit, RateLimiter
from flowlog_operator.cloud.retry import RetryBudget, RetryPolicy
from flowlog_operator.cloud.settings import CloudSettings, CloudSettingsError
from flowlog_operator.cloud.signing import AlibabaRpcAuth, SignatureAlgorithm

__all__ = [
    "API_VERSION",
    "DEFAULT_RATE_LIMITS",
    "ERROR_TABLE",
    "PAGE_SIZE",
    "ActiveFlowLogRequest",
    "AlibabaRpcAuth",
    "AmbiguousResultError",
    "CloudError",
    "CloudSettings",
    "CloudSettingsError",
    "CloudTransportError",
    "CreateFlowLogRequest",
    "CreateFlowLogResponse",
    "Credentials",
    "CredentialsError",
    "CredentialsProvider",
    "DeactiveFlowLogRequest",
    "DeleteFlowLogRequest",
    "DescribeFlowLogsRequest",
    "DescribeFlowLogsResponse",
    "ErrorKind",
    "FlowLog",
    "FlowLogClient",
    "FlowLogNotFound",
    "GetFlowLogServiceStatusRequest",
    "GetFlowLogServiceStatusResponse",
    "InsecureEndpointError",
    "ListTagResourcesRequest",
    "ListTagResourcesResponse",
    "ModifyFlowLogAttributeRequest",
    "MoveResourceGroupRequest",
    "OidcRoleCredentialsProvider",
    "OpenFlowLogServiceRequest",
    "OpenFlowLogServiceResponse",
    "RateLimit",
    "RateLimiter",
    "RequestIdResponse",
    "ResourceAlreadyHasFlowLog",
    "RetryBudget",
    "RetryPolicy",
    "RetryableCloudError",
    "SignatureAlgorithm",
    "StaticCredentialsProvider",
    "SuccessResponse",
    "TagResource",
    "TagResourcesRequest",
    "TerminalCloudError",
    "ThrottledError",
    "UnTagResourcesRequest",
    "classify_code",
    "credentials_from_environment",
    "is_resource_already_has_flow_log",
    "resolve_sts_endpoint",
    "resolve_vpc_endpoint",
]
