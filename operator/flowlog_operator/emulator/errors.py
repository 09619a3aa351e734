"""The error catalogue: every code the emulator can answer, with its HTTP status and message.

An ``ApiError`` carries one code out of a handler; ``app`` turns it into the real
Alibaba error body ``{RequestId, HostId, Code, Message, Recommend}``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    message: str


def _spec(code: str, status: int, message: str) -> tuple[str, ErrorSpec]:
    return code, ErrorSpec(code, status, message)


# The CreateFlowLog table of the reference (section 8), in its order. All are HTTP 400.
CREATE_FLOWLOG_CODES: dict[str, str] = {
    "IncorrectBusinessStatus.FlowLog": "The business status of flowLog is incorrect.",
    "OptInRequired.FlowLog": "You are not authorized to use the requested service of flowLog. "
    "Ensure that you have subscribed to the service you are trying to use.",
    "OperationUnsupported.AdvancedFeature": "Advanced features of the vpc is unsupported.",
    "InvalidInstanceId": "vswitch does not exist.",
    "ProjectOrLogstoreNotExist": "The specified project or logstore does not exist.",
    "SourceProjectNotExist": "The Source Project or logstore does not exist.",
    "Unauthorized": "This api does not support sub user or role.",
    "OperationUnsupported.action": "This action is not support.",
    "ParameterInvalid": "Invalid parameter.",
    "RuleExist": "The rule has already existed.",
    "InvalidHdMonitorStatus": "Current instance status is not valid for this action.",
    "QuotaExceeded.FlowlogCount": "This user has reached the maximum instance number of flowlog.",
    "InvalidResourceId.NotFound": "This resourceId already has flowlog instance existed.",
    "INVALID_PARAMETER": "The parameter invalid.",
    "MissingParameter": "Missing mandatory parameter",
    "InvalidRegionId.NotFound": "The RegionId provided does not exist in our records.",
    "InvalidResourceType.NotFound": "Resource type no the same.",
    "OperationUnsupported.ResourceType": "This resource type is not supported.",
    "IllegalParam.AggregationInterval": "The param of aggregationInterval is illegal.",
    "UnsupportedFeature.UserDefinedTrafficPath": "The feature of UserDefinedTrafficPath is not supported.",
    "IllegalParam.TrafficPath": "The param of trafficPath is illegal.",
    "DuplicatedParam.TrafficPath": "The param of trafficPath is duplicated.",
    "IllegalParam.ResourceGroupId": "Invalid ResourceGroupld value.",
    "OperationDenied.OperateShareResource": "The operation is not allowed because of OperateShareResource.",
    "UnsupportedFeature.IpVersion": "The ipversion type is not supported.",
    "UnsupportedFeature.VpcAdvancedFeature": "The VPC does not support some advanced features.",
    "OperationFailed.EniTypeNotSupport": "Operation failed because the ENI type is not supported.",
    "IllegalParam.IpVersion": "The parameter of IpVersion is illegal.",
    "OperationDenied.NisTrafficAnalyzerAggregationIntervalMismatch": "The sampling interval of the FlowLog "
    "is greater than the sampling interval of the NIS Traffic Analyzer.",
    "OperationDenied.NisTrafficAnalyzerNotFound": "The specified NIS Traffic Analyzer does not exist.",
    "OperationDenied.NisTrafficAnalyzerNotActive": "The specified NIS Traffic Analyzer is not enabled.",
    "OperationFailed.InternalError": "The request processing has failed due to some unknown error.",
    "MissingParam.TrafficAnalyzerIdOrLogProjectOrLogStore": "TrafficAnalyzerId and ProjectName and "
    "LogStoreName parameters are not passed in.",
    "OperationDenied.AllTrafficPathOfManagedExist": "The resource you specified has created a flow log "
    "instance that collects the traffic of all scenarios. You cannot create a flow log instance that "
    "collects only some scenarios.",
    "UnsupportedFeature.UserDefinedTrafficPathIpv6": "Dual-stack flow log instances do not support "
    "custom trafficPath.",
}

CATALOGUE: dict[str, ErrorSpec] = dict(
    [
        *(_spec(code, 400, message) for code, message in CREATE_FLOWLOG_CODES.items()),
        # Gateway (POP) errors, reference section 3.2.
        _spec("InvalidParameter", 400, "The specified parameter is not valid."),
        _spec("InvalidAction.NotFound", 400, "Specified api is not found, please check your url and method."),
        _spec("InvalidVersion", 400, "Specified parameter Version is not valid."),
        _spec("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
        _spec("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."),
        _spec("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards."),
        _spec("InvalidSignatureMethod", 400, "Specified signature method is not valid."),
        _spec("SignatureNonceUsed", 400, "Specified signature nonce was used already."),
        _spec("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."),
        _spec("InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted."),
        _spec("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired."),
        _spec("InvalidSecurityToken.Malformed", 400, "Specified SecurityToken is malformed."),
        # RAM: the caller's policy does not allow the action (a revoked grant, for fault injection).
        _spec("Forbidden.RAM", 403, "User not authorized to operate on the specified resource."),
        _spec("Throttling.User", 400, "Request was denied due to user flow control."),
        _spec("Throttling.Api", 400, "Request was denied due to api flow control."),
        _spec("Throttling", 400, "Request was denied due to request throttling."),
        _spec("InternalError", 500, "The request processing has failed due to some unknown error."),
        _spec("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."),
        _spec("SystemBusy", 503, "The system is busy. Please try again later."),
        _spec("UnknownError", 500, "An unknown error occurred."),
        # FlowLog life cycle and service switch.
        _spec("IncorrectStatus.flowlog", 400, "The status of the flow log does not allow this operation."),
        _spec("InvalidFlowLogId.NotFound", 400, "The specified flow log does not exist."),
        _spec("OperationFailed.ExceedPurchaseLimit", 400, "The flow log service is already opened."),
        # Tag and resource-group operations.
        _spec("InvalidResourceType", 400, "The specified ResourceType is not supported."),
        # STS (2015-04-01).
        _spec("InvalidParameter.RoleArn", 400, "The parameter RoleArn is wrongly formed."),
        _spec("InvalidParameter.OIDCProviderArn", 400, "The parameter OIDCProviderArn is wrongly formed."),
        _spec("InvalidParameter.DurationSeconds", 400, "The DurationSeconds is out of range."),
        _spec("MissingOIDCToken", 400, "The parameter OIDCToken is required."),
        _spec("AuthenticationFail.OIDCToken.Invalid", 400, "The OIDCToken is invalid."),
    ]
)

RETRY_AFTER_HEADER = "x-acs-retry-after"


class ApiError(Exception):
    """A refusal in the Alibaba shape; ``detail`` names the parameter or the reason."""

    def __init__(self, code: str, detail: str = "", *, headers: dict[str, str] | None = None) -> None:
        spec = CATALOGUE.get(code, ErrorSpec(code, 400, code))
        self.code = code
        self.status = spec.status
        self.message = f"{spec.message} {detail}".strip() if detail else spec.message
        self.headers = dict(headers or {})
        super().__init__(f"{code}: {self.message}")


def error_document(code: str, message: str, request_id: str, host: str) -> dict[str, str]:
    """The body of every refusal, API and admin alike: ``{RequestId, HostId, Code, Message, Recommend}``."""
    return {
        "RequestId": request_id,
        "HostId": host,
        "Code": code,
        "Message": message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Vpc&requestId={request_id}",
    }


def status_for(code: str) -> int:
    """HTTP status the real gateway uses for ``code`` (400 for codes it does not know)."""
    spec = CATALOGUE.get(code)
    return spec.status if spec else 400
