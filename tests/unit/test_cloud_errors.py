"""Every Alibaba error code the reference lists is classified, and transport failures map to retryable."""

from __future__ import annotations

import json

import httpx
import pytest

from flowlog_operator.cloud.errors import (
    ERROR_TABLE,
    AmbiguousResultError,
    CloudError,
    CloudTransportError,
    ErrorKind,
    FlowLogNotFound,
    ResourceAlreadyHasFlowLog,
    RetryableCloudError,
    TerminalCloudError,
    ThrottledError,
    classify_code,
    error_from_response,
    error_from_transport,
    is_resource_already_has_flow_log,
)

# Reference §8, copied as data: the CreateFlowLog error table (all HTTP 400).
CREATE_FLOW_LOG_CODES = [
    "IncorrectBusinessStatus.FlowLog",
    "OptInRequired.FlowLog",
    "OperationUnsupported.AdvancedFeature",
    "InvalidInstanceId",
    "ProjectOrLogstoreNotExist",
    "SourceProjectNotExist",
    "Unauthorized",
    "OperationUnsupported.action",
    "ParameterInvalid",
    "RuleExist",
    "InvalidHdMonitorStatus",
    "QuotaExceeded.FlowlogCount",
    "InvalidResourceId.NotFound",
    "INVALID_PARAMETER",
    "MissingParameter",
    "InvalidRegionId.NotFound",
    "InvalidResourceType.NotFound",
    "OperationUnsupported.ResourceType",
    "IllegalParam.AggregationInterval",
    "UnsupportedFeature.UserDefinedTrafficPath",
    "IllegalParam.TrafficPath",
    "DuplicatedParam.TrafficPath",
    "IllegalParam.ResourceGroupId",
    "OperationDenied.OperateShareResource",
    "UnsupportedFeature.IpVersion",
    "UnsupportedFeature.VpcAdvancedFeature",
    "OperationFailed.EniTypeNotSupport",
    "IllegalParam.IpVersion",
    "OperationDenied.NisTrafficAnalyzerAggregationIntervalMismatch",
    "OperationDenied.NisTrafficAnalyzerNotFound",
    "OperationDenied.NisTrafficAnalyzerNotActive",
    "OperationFailed.InternalError",
    "MissingParam.TrafficAnalyzerIdOrLogProjectOrLogStore",
    "OperationDenied.AllTrafficPathOfManagedExist",
    "UnsupportedFeature.UserDefinedTrafficPathIpv6",
]

# What each CreateFlowLog code means for the loop, with the reason in the comment.
CREATE_FLOW_LOG_EXPECTED: dict[str, type[CloudError]] = dict.fromkeys(
    CREATE_FLOW_LOG_CODES, TerminalCloudError
)
CREATE_FLOW_LOG_EXPECTED.update(
    {
        "InvalidResourceId.NotFound": ResourceAlreadyHasFlowLog,  # the duplicate guard
        "OperationFailed.InternalError": AmbiguousResultError,  # a server error: it may have created
        "InvalidHdMonitorStatus": RetryableCloudError,  # a status conflict, retried by Terraform
    }
)

# Reference §3.2 (gateway) and §3.3 (transient), each with its expected class.
GATEWAY_AND_TRANSIENT_EXPECTED: dict[str, type[CloudError]] = {
    "MissingParameter": TerminalCloudError,
    "InvalidParameter": TerminalCloudError,
    "InvalidParameter.Format": TerminalCloudError,
    "InvalidApi.NotFound": TerminalCloudError,
    "InvalidAction": TerminalCloudError,
    "InvalidAction.NotFound": TerminalCloudError,
    "InvalidAccessKeyId.NotFound": TerminalCloudError,
    "InvalidAccessKeyId.Inactive": TerminalCloudError,
    "SignatureDoesNotMatch": TerminalCloudError,
    "IncompleteSignature": TerminalCloudError,
    "InvalidSignatureMethod": TerminalCloudError,
    "SignatureNonceUsed": RetryableCloudError,
    "InvalidTimeStamp.Expired": TerminalCloudError,
    "InvalidTimeStamp.Format": TerminalCloudError,
    "InvalidSecurityToken.Expired": RetryableCloudError,
    "InvalidSecurityToken.Malformed": TerminalCloudError,
    "UnsupportedHTTPMethod": TerminalCloudError,
    "Forbidden.RAM": TerminalCloudError,
    "Forbidden": TerminalCloudError,
    "NoPermission": TerminalCloudError,
    "Forbidden.RiskControl": TerminalCloudError,
    "Throttling": ThrottledError,
    "Throttling.User": ThrottledError,
    "Throttling.Api": ThrottledError,
    "Rejected.Throttling": ThrottledError,
    "InternalError": RetryableCloudError,
    "ServiceUnavailable": RetryableCloudError,
    "OperationUnsupported.action": TerminalCloudError,
    "TaskConflict": RetryableCloudError,
    "OperationConflict": RetryableCloudError,
    "LastTokenProcessing": RetryableCloudError,
    "OperationFailed.LastTokenProcessing": RetryableCloudError,
    "IncorrectStatus": RetryableCloudError,
    "IncorrectStatus.flowlog": RetryableCloudError,
    "InvalidStatus": RetryableCloudError,
    "InvalidHdMonitorStatus": RetryableCloudError,
    "SystemBusy": RetryableCloudError,
    "UnknownError": RetryableCloudError,
    "InvalidFlowLogId.NotFound": FlowLogNotFound,
    "ResourceNotFound.FlowLog": FlowLogNotFound,
}


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


def test_the_table_covers_every_code_of_the_create_flow_log_page() -> None:
    missing = [code for code in CREATE_FLOW_LOG_CODES if code not in ERROR_TABLE]
    assert missing == []
    assert len(set(CREATE_FLOW_LOG_CODES)) == 35


def test_the_table_covers_every_gateway_and_transient_code() -> None:
    assert [code for code in GATEWAY_AND_TRANSIENT_EXPECTED if code not in ERROR_TABLE] == []


@pytest.mark.parametrize(("code", "expected"), sorted(CREATE_FLOW_LOG_EXPECTED.items()))
def test_create_flow_log_codes_are_classified(code: str, expected: type[CloudError]) -> None:
    body = {
        "RequestId": "RID-1",
        "HostId": "vpc.aliyuncs.com",
        "Code": code,
        "Message": "m",
        "Recommend": "r",
    }
    error = error_from_response(_response(400, body), action="CreateFlowLog", idempotent=False)
    assert type(error) is expected
    assert (error.code, error.message, error.request_id, error.http_status) == (code, "m", "RID-1", 400)
    assert error.recommend == "r"
    assert error.action == "CreateFlowLog"


@pytest.mark.parametrize(("code", "expected"), sorted(GATEWAY_AND_TRANSIENT_EXPECTED.items()))
def test_gateway_and_transient_codes_are_classified(code: str, expected: type[CloudError]) -> None:
    assert classify_code(code, action="DeleteFlowLog", http_status=400) is expected


def test_every_table_entry_is_a_concrete_error_class_with_a_kind() -> None:
    for key, cls in ERROR_TABLE.items():
        assert issubclass(cls, CloudError), key
        assert cls.kind in ErrorKind


def test_resource_already_has_flow_log_only_for_create() -> None:
    create = error_from_response(
        _response(400, {"Code": "InvalidResourceId.NotFound", "Message": "x"}), action="CreateFlowLog"
    )
    tag = error_from_response(
        _response(400, {"Code": "InvalidResourceId.NotFound", "Message": "x"}), action="TagResources"
    )
    assert is_resource_already_has_flow_log(create)
    assert create.kind is ErrorKind.TERMINAL
    assert not is_resource_already_has_flow_log(tag)
    assert tag.kind is ErrorKind.NOT_FOUND


def test_delete_treats_instance_not_available_as_already_gone() -> None:
    assert classify_code("Instance.IsNotAvailable", action="DeleteFlowLog") is FlowLogNotFound
    assert classify_code("Instance.IsNotAvailable", action="CreateFlowLog") is TerminalCloudError


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("Throttling.Whatever", 400, ThrottledError),
        ("IncorrectStatus.Something", 400, RetryableCloudError),
        ("Brand.NewCode", 500, RetryableCloudError),
        ("Brand.NewCode", 503, RetryableCloudError),
        ("Brand.NewCode", 400, TerminalCloudError),
        ("Brand.NewCode", 404, TerminalCloudError),
    ],
)
def test_unknown_codes_fall_back_to_families_then_status(
    code: str, status: int, expected: type[CloudError]
) -> None:
    assert classify_code(code, http_status=status) is expected


def test_retry_after_header_makes_a_throttled_error_in_seconds() -> None:
    response = _response(400, {"Code": "Throttling.User", "Message": "slow"}, {"x-acs-retry-after": "1500"})
    error = error_from_response(response, action="DescribeFlowLogs")
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 1.5


def test_retry_after_header_wins_even_for_other_codes() -> None:
    response = _response(400, {"Code": "SomethingElse", "Message": "x"}, {"x-acs-retry-after": "200"})
    assert isinstance(error_from_response(response, action="DescribeFlowLogs"), ThrottledError)


@pytest.mark.parametrize("header", ["0", "-5", "soon", ""])
def test_unusable_retry_after_is_ignored(header: str) -> None:
    response = _response(400, {"Code": "Throttling.User", "Message": "x"}, {"x-acs-retry-after": header})
    error = error_from_response(response, action="DescribeFlowLogs")
    assert isinstance(error, ThrottledError)
    assert error.retry_after is None


def test_5xx_without_json_is_retryable_for_idempotent_calls_and_ambiguous_for_create() -> None:
    page = _response(502, b"<html>bad gateway</html>")
    assert type(error_from_response(page, action="DescribeFlowLogs")) is CloudTransportError
    assert type(error_from_response(page, action="CreateFlowLog", idempotent=False)) is AmbiguousResultError


def test_json_5xx_error_is_retryable_for_idempotent_calls() -> None:
    body = {"Code": "ServiceUnavailable", "Message": "later", "RequestId": "R"}
    error = error_from_response(_response(503, body), action="DeleteFlowLog")
    assert type(error) is RetryableCloudError


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, "ServiceUnavailable"), (500, "InternalError"), (400, "UnknownError"), (500, "SomethingNew")],
)
def test_a_server_error_leaves_a_create_ambiguous_even_with_a_json_body(status: int, code: str) -> None:
    body = {"Code": code, "Message": "later", "RequestId": "R"}
    error = error_from_response(_response(status, body), action="CreateFlowLog", idempotent=False)
    assert type(error) is AmbiguousResultError
    assert (error.code, error.request_id) == (code, "R")


def test_a_throttled_create_is_definitive_even_as_503() -> None:
    body = {"Code": "Throttling", "Message": "slow down", "RequestId": "R"}
    error = error_from_response(_response(503, body), action="CreateFlowLog", idempotent=False)
    assert type(error) is ThrottledError


def test_4xx_without_json_is_terminal() -> None:
    error = error_from_response(_response(403, b"denied"), action="DescribeFlowLogs")
    assert type(error) is TerminalCloudError
    assert error.http_status == 403


def _exc(cls: type[httpx.TransportError]) -> httpx.TransportError:
    return cls("boom", request=httpx.Request("POST", "https://vpc.aliyuncs.com/"))


@pytest.mark.parametrize(
    "cls",
    [
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
    ],
)
def test_transport_errors_are_retryable_for_idempotent_calls(cls: type[httpx.TransportError]) -> None:
    error = error_from_transport(_exc(cls), action="DescribeFlowLogs")
    assert type(error) is CloudTransportError
    assert error.kind is ErrorKind.RETRYABLE


@pytest.mark.parametrize("cls", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_create_is_safe_to_retry_when_the_request_never_left(cls: type[httpx.TransportError]) -> None:
    assert (
        type(error_from_transport(_exc(cls), action="CreateFlowLog", idempotent=False)) is CloudTransportError
    )


@pytest.mark.parametrize(
    "cls", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
def test_create_is_ambiguous_when_the_answer_was_lost(cls: type[httpx.TransportError]) -> None:
    error = error_from_transport(_exc(cls), action="CreateFlowLog", idempotent=False)
    assert type(error) is AmbiguousResultError
    assert error.kind is ErrorKind.RETRYABLE


def test_error_str_names_action_code_status_and_request_id() -> None:
    error = error_from_response(
        _response(400, {"Code": "QuotaExceeded.FlowlogCount", "Message": "full", "RequestId": "RID"}),
        action="CreateFlowLog",
    )
    assert str(error) == "CreateFlowLog: QuotaExceeded.FlowlogCount: full (HTTP 400, RequestId RID)"
    assert "QuotaExceeded.FlowlogCount" in repr(error)
