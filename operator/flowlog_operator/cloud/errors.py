"""Cloud errors, classified by what the reconcile loop must do about them.

Every failure of a cloud call surfaces as one of these exceptions::

    CloudError                      (.kind, .code, .message, .http_status, .request_id, .action, .recommend)
    ├── FlowLogNotFound             kind NOT_FOUND: the flow log is gone (a branch, not a failure)
    ├── TerminalCloudError          kind TERMINAL: a human must fix something; retry slowly, if at all
    │   ├── ResourceAlreadyHasFlowLog   CreateFlowLog answered InvalidResourceId.NotFound
    │   └── CredentialsError            no usable credentials (missing variables, unreadable token file)
    └── RetryableCloudError         kind RETRYABLE: transient; back off with jitter and try again
        ├── ThrottledError              Throttling*, or an x-acs-retry-after header (.retry_after seconds)
        ├── CloudTransportError         no usable answer: connect error, timeout, dropped connection, 5xx HTML
        └── AmbiguousResultError        a CreateFlowLog may or may not have been applied

The Alibaba error code decides the class through one table, `ERROR_TABLE`. A key is either a code or an
``(action, code)`` pair for the few codes whose meaning depends on the operation; the pair wins. Codes
not in the table fall back to prefix rules (``Throttling*``, ``IncorrectStatus*``) and then to the HTTP
status (5xx retryable, anything else terminal).

Every message is redacted when the error is made (`flowlog_operator.cloud.redaction`): a gateway that
refuses a signature echoes the string it signed, AccessKeyId and STS token included, and these
messages reach conditions, Events and logs. Errors about the credentials themselves lead with a hint
(`CREDENTIAL_HINTS`), since the masked echo can no longer show which key was used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from flowlog_operator.cloud.redaction import redact, secrets_in_request
from flowlog_operator.core.ports import FailureKind

__all__ = [
    "CREDENTIAL_HINTS",
    "ERROR_TABLE",
    "SERVER_ERROR_CODES",
    "AmbiguousResultError",
    "CloudError",
    "CloudTransportError",
    "CredentialsError",
    "ErrorKind",
    "FlowLogNotFound",
    "ResourceAlreadyHasFlowLog",
    "RetryableCloudError",
    "TerminalCloudError",
    "ThrottledError",
    "classify_code",
    "error_from_response",
    "error_from_transport",
    "is_resource_already_has_flow_log",
]


# What the caller should do about an error: the loop's own taxonomy, so the engine needs no mapping.
ErrorKind = FailureKind


class CloudError(Exception):
    """A cloud call failed; carries what Alibaba said, with every credential in it masked."""

    kind: ErrorKind = ErrorKind.TERMINAL

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        http_status: int | None = None,
        request_id: str | None = None,
        action: str = "",
        recommend: str | None = None,
    ) -> None:
        self.code = code
        self.message = redact(message)
        self.http_status = http_status
        self.request_id = request_id
        self.action = action
        self.recommend = None if recommend is None else redact(str(recommend))
        super().__init__(self._describe())

    @property
    def retryable(self) -> bool:
        return self.kind is ErrorKind.RETRYABLE

    def _describe(self) -> str:
        parts = [f"{self.action}: " if self.action else ""]
        parts.append(f"{self.code}: " if self.code else "")
        parts.append(self.message)
        if self.http_status is not None:
            parts.append(f" (HTTP {self.http_status}")
            parts.append(f", RequestId {self.request_id})" if self.request_id else ")")
        elif self.request_id:
            parts.append(f" (RequestId {self.request_id})")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, http_status={self.http_status!r}, "
            f"request_id={self.request_id!r}, action={self.action!r}, message={self.message!r})"
        )


class FlowLogNotFound(CloudError):  # noqa: N818  (a branch of the loop, not a failure)
    """The flow log named in the call does not exist (any more)."""

    kind = ErrorKind.NOT_FOUND


class TerminalCloudError(CloudError):
    """Retrying will not help until a human changes something (spec, quota, permissions, account)."""

    kind = ErrorKind.TERMINAL


class ResourceAlreadyHasFlowLog(TerminalCloudError):  # noqa: N818
    """CreateFlowLog refused: the resource already has a flow log (code InvalidResourceId.NotFound).

    The operator uses this as a duplicate guard: look the existing flow log up and adopt it if it is ours.
    """


class CredentialsError(TerminalCloudError):
    """No usable credentials: missing or contradictory variables, an unreadable OIDC token file."""


class RetryableCloudError(CloudError):
    """Transient: back off with jitter and call again."""

    kind = ErrorKind.RETRYABLE


class ThrottledError(RetryableCloudError):
    """Flow control refused the call; `retry_after` (seconds) is the server's hint, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class CloudTransportError(RetryableCloudError):
    """No usable answer: connection refused, timeout, dropped connection, or a non-JSON error page."""


class AmbiguousResultError(RetryableCloudError):
    """A non-idempotent call (CreateFlowLog) may or may not have been applied.

    Raised instead of retrying when the request may have reached the server but the answer was lost.
    The caller must look for the flow log (by its ownership tag) before creating it again.
    """


# One table: Alibaba error code (or (action, code)) -> class. Sources: reference §8 (CreateFlowLog
# page), §3.2 (gateway), §3.3 (Terraform's transient lists).
ERROR_TABLE: Mapping[str | tuple[str, str], type[CloudError]] = {
    # --- not found ------------------------------------------------------------------------------
    "InvalidFlowLogId.NotFound": FlowLogNotFound,
    "ResourceNotFound.FlowLog": FlowLogNotFound,
    # On calls that name a flow log as ResourceId (tags, resource group) this means "no such flow log".
    "InvalidResourceId.NotFound": FlowLogNotFound,
    # ...but CreateFlowLog uses it for "this resource already has a flow log" (reference §8).
    ("CreateFlowLog", "InvalidResourceId.NotFound"): ResourceAlreadyHasFlowLog,
    # Terraform treats these as "already gone" when deleting.
    ("DeleteFlowLog", "Instance.IsNotAvailable"): FlowLogNotFound,
    ("DeleteFlowLog", "Instance.IsNotPostPay"): FlowLogNotFound,
    "Instance.IsNotAvailable": TerminalCloudError,
    "Instance.IsNotPostPay": TerminalCloudError,
    # --- retryable: status conflicts that resolve by themselves ---------------------------------
    "IncorrectStatus": RetryableCloudError,
    "IncorrectStatus.flowlog": RetryableCloudError,
    "IncorrectStatus.FlowLog": RetryableCloudError,
    "OperationConflict": RetryableCloudError,
    "TaskConflict": RetryableCloudError,
    "LastTokenProcessing": RetryableCloudError,
    "OperationFailed.LastTokenProcessing": RetryableCloudError,
    "InvalidStatus": RetryableCloudError,
    # "Current instance status is not valid for this action": a status conflict of the captured
    # instance, like IncorrectStatus; Terraform retries it, and the bounded attempts surface it if it
    # persists.
    "InvalidHdMonitorStatus": RetryableCloudError,
    # --- retryable: server side ------------------------------------------------------------------
    "SystemBusy": RetryableCloudError,
    "UnknownError": RetryableCloudError,
    "ServiceUnavailable": RetryableCloudError,
    "InternalError": RetryableCloudError,
    "OperationFailed.InternalError": RetryableCloudError,
    # A fresh nonce is generated on every attempt, so a replay verdict is cured by trying again.
    "SignatureNonceUsed": RetryableCloudError,
    # The next attempt asks the provider for credentials again (RRSA refreshes ahead of expiry).
    "InvalidSecurityToken.Expired": RetryableCloudError,
    # --- throttling ------------------------------------------------------------------------------
    "Throttling": ThrottledError,
    "Throttling.User": ThrottledError,
    "Throttling.Api": ThrottledError,
    "Rejected.Throttling": ThrottledError,
    # --- terminal: CreateFlowLog page (reference §8) ---------------------------------------------
    "IncorrectBusinessStatus.FlowLog": TerminalCloudError,  # account locked (unpaid bills)
    "OptInRequired.FlowLog": TerminalCloudError,  # flow log service not opened
    "OperationUnsupported.AdvancedFeature": TerminalCloudError,
    "InvalidInstanceId": TerminalCloudError,  # the vSwitch does not exist
    "ProjectOrLogstoreNotExist": TerminalCloudError,
    "SourceProjectNotExist": TerminalCloudError,
    "Unauthorized": TerminalCloudError,
    "OperationUnsupported.action": TerminalCloudError,
    "ParameterInvalid": TerminalCloudError,
    "RuleExist": TerminalCloudError,
    "QuotaExceeded.FlowlogCount": TerminalCloudError,
    "INVALID_PARAMETER": TerminalCloudError,
    "MissingParameter": TerminalCloudError,
    "InvalidRegionId.NotFound": TerminalCloudError,
    "InvalidResourceType.NotFound": TerminalCloudError,
    "OperationUnsupported.ResourceType": TerminalCloudError,
    "IllegalParam.AggregationInterval": TerminalCloudError,
    "UnsupportedFeature.UserDefinedTrafficPath": TerminalCloudError,
    "IllegalParam.TrafficPath": TerminalCloudError,
    "DuplicatedParam.TrafficPath": TerminalCloudError,
    "IllegalParam.ResourceGroupId": TerminalCloudError,
    "OperationDenied.OperateShareResource": TerminalCloudError,
    "UnsupportedFeature.IpVersion": TerminalCloudError,
    "UnsupportedFeature.VpcAdvancedFeature": TerminalCloudError,
    "OperationFailed.EniTypeNotSupport": TerminalCloudError,
    "IllegalParam.IpVersion": TerminalCloudError,
    "OperationDenied.NisTrafficAnalyzerAggregationIntervalMismatch": TerminalCloudError,
    "OperationDenied.NisTrafficAnalyzerNotFound": TerminalCloudError,
    "OperationDenied.NisTrafficAnalyzerNotActive": TerminalCloudError,
    "MissingParam.TrafficAnalyzerIdOrLogProjectOrLogStore": TerminalCloudError,
    "OperationDenied.AllTrafficPathOfManagedExist": TerminalCloudError,
    "UnsupportedFeature.UserDefinedTrafficPathIpv6": TerminalCloudError,
    # --- terminal: gateway (reference §3.2) ------------------------------------------------------
    "InvalidParameter": TerminalCloudError,
    "InvalidParameter.Format": TerminalCloudError,
    "InvalidApi.NotFound": TerminalCloudError,
    "InvalidAction": TerminalCloudError,
    "InvalidAction.NotFound": TerminalCloudError,
    "InvalidVersion": TerminalCloudError,
    "InvalidAccessKeyId.NotFound": TerminalCloudError,
    "InvalidAccessKeyId.Inactive": TerminalCloudError,
    "SignatureDoesNotMatch": TerminalCloudError,
    "IncompleteSignature": TerminalCloudError,
    "InvalidSignatureMethod": TerminalCloudError,
    "InvalidTimeStamp.Expired": TerminalCloudError,  # fix the clock
    "InvalidTimeStamp.Format": TerminalCloudError,
    "InvalidSecurityToken.Malformed": TerminalCloudError,
    "UnsupportedHTTPMethod": TerminalCloudError,
    "Forbidden": TerminalCloudError,
    "Forbidden.RAM": TerminalCloudError,
    "Forbidden.RiskControl": TerminalCloudError,
    "NoPermission": TerminalCloudError,
    # OpenFlowLogService when already opened; the client turns it into success.
    "OperationFailed.ExceedPurchaseLimit": TerminalCloudError,
}

# Errors about the credentials: what to check, said first (the masked echo that follows cannot say it).
CREDENTIAL_HINTS: Mapping[str, str] = {
    "SignatureDoesNotMatch": "The signature did not match: check the AccessKey secret.",
    "IncompleteSignature": "The signature is incomplete: check the signature settings.",
    "InvalidAccessKeyId.NotFound": "The AccessKey ID is unknown: check the AccessKey ID.",
    "InvalidAccessKeyId.Inactive": "The AccessKey is disabled: enable it or use another.",
    "InvalidSecurityToken.Malformed": "The STS token was refused: check the security token.",
    "InvalidSecurityToken.Expired": "The STS token has expired: refresh the credentials.",
}

# Codes outside the table: families first (Terraform matches "Throttling" anywhere in the code).
_FAMILY_RULES: tuple[tuple[str, type[CloudError]], ...] = (
    ("Throttling", ThrottledError),
    ("IncorrectStatus", RetryableCloudError),
)


def classify_code(code: str, *, action: str = "", http_status: int | None = None) -> type[CloudError]:
    """The exception class for an Alibaba error code (the single classification point)."""
    found = ERROR_TABLE.get((action, code)) or ERROR_TABLE.get(code)
    if found is not None:
        return found
    for fragment, family in _FAMILY_RULES:
        if fragment in code:
            return family
    if http_status is not None and http_status >= 500:
        return RetryableCloudError
    return TerminalCloudError


def is_resource_already_has_flow_log(error: BaseException) -> bool:
    """True if CreateFlowLog refused because the resource already has a flow log."""
    return isinstance(error, ResourceAlreadyHasFlowLog)


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    raw = headers.get("x-acs-retry-after", "").strip()
    try:
        milliseconds = int(raw)
    except ValueError:
        return None
    return milliseconds / 1000.0 if milliseconds > 0 else None


def _error_body(content: bytes) -> Mapping[str, Any] | None:
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return body


def error_from_response(response: httpx.Response, *, action: str, idempotent: bool = True) -> CloudError:
    """Map an HTTP error answer (status >= 400, body already read) to the most specific `CloudError`.

    A JSON error body proves the gateway or the service refused the call; an answer without one (a
    proxy's HTML 502, say) proves nothing, so for a non-idempotent call it is ambiguous.
    """
    status = response.status_code
    body = _error_body(response.content)
    retry_after = _retry_after_seconds(response.headers)
    if body is None or not (body.get("Code") or body.get("code")):
        if retry_after is not None:
            return ThrottledError(
                "throttled (x-acs-retry-after)", retry_after=retry_after, http_status=status, action=action
            )
        message = f"HTTP {status} without an Alibaba error body"
        if status >= 500 and not idempotent:
            return AmbiguousResultError(message, http_status=status, action=action)
        cls: type[CloudError] = RetryableCloudError if status >= 500 or status == 429 else TerminalCloudError
        if cls is RetryableCloudError:
            cls = CloudTransportError
        return cls(message, http_status=status, action=action)
    code = str(body.get("Code") or body.get("code"))
    fields: dict[str, Any] = {
        "code": code,
        "http_status": status,
        "request_id": body.get("RequestId")
        or body.get("requestId")
        or response.headers.get("x-acs-request-id"),
        "action": action,
        "recommend": body.get("Recommend"),
    }
    # Mask what this very request carried too, even values the process never remembered.
    message = redact(str(body.get("Message") or body.get("message") or ""), _sent_secrets(response))
    hint = CREDENTIAL_HINTS.get(code)
    if hint:
        message = f"{hint} {message}" if message else hint
    if retry_after is not None:
        return ThrottledError(message, retry_after=retry_after, **fields)
    cls = classify_code(code, action=action, http_status=status)
    if not idempotent and _not_definitive(cls, code, status):
        # A server error says the call failed somewhere, not that nothing was created before it did.
        return AmbiguousResultError(message, **fields)
    return cls(message, **fields)


# Server-side failures: the service may have acted before it failed, whatever status carries them.
SERVER_ERROR_CODES = frozenset(
    {"InternalError", "ServiceUnavailable", "UnknownError", "OperationFailed.InternalError", "SystemBusy"}
)


def _not_definitive(cls: type[CloudError], code: str, status: int) -> bool:
    """Whether an error answer leaves open that a non-idempotent call took effect.

    Refusals are definitive (throttling, validation, permissions, conflicts: the service said no
    before acting); a server error is not, whether its status is 5xx or its code says so.
    """
    if issubclass(cls, ThrottledError):
        return False
    return status >= 500 or code in SERVER_ERROR_CODES


def _sent_secrets(response: httpx.Response) -> tuple[str, ...]:
    try:
        request = response.request
    except RuntimeError:  # a response built without a request (tests)
        return ()
    return secrets_in_request(request)


# Transport failures that prove the request never left this process: safe to retry any call.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def error_from_transport(exc: httpx.TransportError, *, action: str, idempotent: bool = True) -> CloudError:
    """Map an httpx transport failure; for a non-idempotent call, any failure after sending is ambiguous."""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol):
        return TerminalCloudError(message, action=action)
    if not idempotent and not isinstance(exc, _NOT_SENT):
        return AmbiguousResultError(f"result unknown after {message}", action=action)
    return CloudTransportError(message, action=action)
