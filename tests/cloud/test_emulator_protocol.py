"""The wire protocol: parameter locations, versions, unknown actions, error bodies, validation, STS."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller, utc_timestamp

REGION = "cn-hangzhou"
CREATE = {
    "RegionId": REGION,
    "ResourceType": "NetworkInterface",
    "ResourceId": "eni-hz-prod-a1",
    "TrafficType": "All",
    "ProjectName": "flowlog-hz",
    "LogStoreName": "flowlog-store",
}
UPPER_UUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
OIDC = {
    "Action": "AssumeRoleWithOIDC",
    "Version": "2015-04-01",
    "RoleArn": "acs:ram::1234567890123456:role/flowlog-operator",
    "OIDCProviderArn": "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0ffee",
    "OIDCToken": "a.b.c",
}


def test_success_and_error_responses_carry_the_real_headers_and_body(caller: RawCaller) -> None:
    ok = caller.rpc("DescribeFlowLogs", {"RegionId": REGION})
    assert ok.headers["content-type"] == "application/json;charset=utf-8"
    assert UPPER_UUID.match(ok.json()["RequestId"])
    refused = caller.rpc("DescribeFlowLogs", {"RegionId": "nowhere-1"})
    body = refused.json()
    assert refused.headers["content-type"] == "application/json;charset=utf-8"
    assert list(body) == ["RequestId", "HostId", "Code", "Message", "Recommend"]
    assert UPPER_UUID.match(body["RequestId"])
    assert (refused.status_code, body["Code"]) == (400, "InvalidRegionId.NotFound")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_both_methods_and_both_signatures_are_served(caller: RawCaller, method: str) -> None:
    assert caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, method=method).status_code == 200
    assert caller.v3("DescribeFlowLogs", {"RegionId": REGION}, method=method).status_code == 200


def test_form_body_plus_signs_are_spaces(caller: RawCaller) -> None:
    response = caller.rpc("CreateFlowLog", {**CREATE, "Description": "a b+c"}, form_body=True)
    flow_log_id = response.json()["FlowLogId"]
    [flowlog] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    assert flowlog["Description"] == "a b+c"


def test_a_wrong_version_and_an_unknown_action_are_refused(caller: RawCaller) -> None:
    wrong = caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, version="2014-05-26")
    assert (wrong.status_code, wrong.json()["Code"]) == (400, "InvalidVersion")
    unknown = caller.rpc("DescribeInstances", {"RegionId": REGION})
    assert (unknown.status_code, unknown.json()["Code"]) == (400, "InvalidAction.NotFound")


def test_a_malformed_timestamp_is_refused_as_format(caller: RawCaller) -> None:
    response = caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, timestamp="yesterday")
    assert response.json()["Code"] == "InvalidTimeStamp.Format"
    response = caller.v3("DescribeFlowLogs", {"RegionId": REGION}, timestamp=utc_timestamp(-1200))
    assert response.json()["Code"] == "InvalidTimeStamp.Expired"


def test_an_extra_access_key_from_the_command_line_is_accepted(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory("--access-key", "team:team-secret")
    with RawCaller(emulator.url, "team", "team-secret") as team, RawCaller(emulator.url) as default:
        assert team.rpc("DescribeFlowLogs", {"RegionId": REGION}).status_code == 200
        assert default.rpc("DescribeFlowLogs", {"RegionId": REGION}).status_code == 200


@pytest.mark.parametrize(
    ("override", "code", "named"),
    [
        ({"FlowLogName": "http://x"}, "ParameterInvalid", "FlowLogName"),
        ({"FlowLogName": "n" * 129}, "ParameterInvalid", "FlowLogName"),
        ({"Description": "https://x"}, "ParameterInvalid", "Description"),
        ({"Description": "d" * 257}, "ParameterInvalid", "Description"),
        ({"ProjectName": "Upper-Case"}, "ParameterInvalid", "ProjectName"),
        ({"LogStoreName": "-bad"}, "ParameterInvalid", "LogStoreName"),
        ({"TrafficType": "Some"}, "ParameterInvalid", "TrafficType"),
        ({"ResourceType": "Eni"}, "OperationUnsupported.ResourceType", "ResourceType"),
        ({"AggregationInterval": "2"}, "IllegalParam.AggregationInterval", "AggregationInterval"),
        ({"IpVersion": "v6"}, "IllegalParam.IpVersion", "IpVersion"),
        ({"TrafficPath.1": "vbr", "TrafficPath.2": "vbr"}, "DuplicatedParam.TrafficPath", "TrafficPath.2"),
        ({"TrafficPath.1": "tunnel"}, "IllegalParam.TrafficPath", "TrafficPath.1"),
        ({"Tag.1.Key": "acs:x", "Tag.1.Value": "v"}, "INVALID_PARAMETER", "Tag.1.Key"),
        ({"Tag.1.Key": "k", "Tag.1.Value": "aliyun-v"}, "INVALID_PARAMETER", "Tag.1.Value"),
        ({"Tag.1.Key": "", "Tag.1.Value": "v"}, "INVALID_PARAMETER", "Tag.1.Key"),
        ({"TrafficType": None}, "MissingParameter", "TrafficType"),
        ({"RegionId": None}, "MissingParameter", "RegionId"),
    ],
)
def test_validation_errors_name_the_parameter(
    shared_caller: RawCaller, override: dict[str, str | None], code: str, named: str
) -> None:
    params = {k: v for k, v in {**CREATE, **override}.items() if v is not None}
    body = shared_caller.rpc("CreateFlowLog", params).json()
    assert body["Code"] == code
    assert named in body["Message"]


def test_twenty_tags_are_accepted_and_twenty_one_refused(caller: RawCaller) -> None:
    tags = {f"Tag.{n}.Key": f"k{n}" for n in range(1, 21)}
    assert caller.rpc("CreateFlowLog", {**CREATE, **tags}).status_code == 200
    tags["Tag.21.Key"] = "k21"
    body = caller.rpc("CreateFlowLog", {**CREATE, "ResourceId": "eni-hz-prod-a2", **tags}).json()
    assert body["Code"] == "INVALID_PARAMETER"


def test_ip_version_is_accepted_in_any_case_and_stored_in_sdk_spelling(caller: RawCaller) -> None:
    flow_log_id = caller.call("CreateFlowLog", {**CREATE, "IpVersion": "IPv4"})["FlowLogId"]
    [flowlog] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
        "FlowLog"
    ]
    assert flowlog["IpVersion"] == "IPV4"


@pytest.mark.parametrize("path", ["/", "/sts"])
def test_sts_oidc_credentials_work_until_they_expire(
    emulator_factory: Callable[..., EmulatorProcess], path: str
) -> None:
    emulator = emulator_factory("--sts-duration", "1.5")
    params = (
        OIDC if path == "/" else {k: v for k, v in OIDC.items() if k != "Version"} | {"Version": "2015-04-01"}
    )
    response = httpx.post(f"{emulator.url}{path}", data=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert UPPER_UUID.match(body["RequestId"])
    assert body["AssumedRoleUser"]["Arn"].startswith(
        "acs:ram::1234567890123456:assumed-role/flowlog-operator/"
    )
    credentials = body["Credentials"]
    caller = RawCaller(emulator.url, credentials["AccessKeyId"], credentials["AccessKeySecret"])
    token = credentials["SecurityToken"]
    assert caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, security_token=token).status_code == 200
    assert caller.v3("DescribeFlowLogs", {"RegionId": REGION}, security_token=token).status_code == 200
    missing = caller.rpc("DescribeFlowLogs", {"RegionId": REGION})
    assert missing.json()["Code"] == "InvalidSecurityToken.Malformed"
    wrong = caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, security_token=token + "x")
    assert wrong.json()["Code"] == "InvalidSecurityToken.Malformed"
    deadline = time.monotonic() + 10
    code = None
    while code != "InvalidSecurityToken.Expired":
        assert time.monotonic() < deadline, f"the token never expired; last answer {code}"
        time.sleep(0.05)
        code = caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, security_token=token).json().get("Code")
    caller.close()


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"RoleArn": "arn:aws:iam::1:role/x"}, "InvalidParameter.RoleArn"),
        ({"OIDCProviderArn": "acs:ram::1:role/x"}, "InvalidParameter.OIDCProviderArn"),
        ({"OIDCToken": ""}, "MissingOIDCToken"),
        ({"DurationSeconds": "60"}, "InvalidParameter.DurationSeconds"),
    ],
)
def test_sts_oidc_refuses_malformed_input(
    emulator: EmulatorProcess, override: dict[str, str], code: str
) -> None:
    response = httpx.post(f"{emulator.url}/", params={**OIDC, **override})
    assert (response.status_code, response.json()["Code"]) == (400, code)


def test_sts_oidc_checks_the_configured_token(emulator_factory: Callable[..., EmulatorProcess]) -> None:
    emulator = emulator_factory("--oidc-token", "expected-token")
    assert (
        httpx.post(f"{emulator.url}/", params=OIDC).json()["Code"] == "AuthenticationFail.OIDCToken.Invalid"
    )
    good = httpx.post(f"{emulator.url}/", params={**OIDC, "OIDCToken": "expected-token"})
    assert good.status_code == 200


def test_sts_assume_role_is_signed_and_its_credentials_chain(caller: RawCaller) -> None:
    params = {
        "RoleArn": "acs:ram::1234567890123456:role/flowlog-operator",
        "RoleSessionName": "s1",
        "DurationSeconds": "900",
    }
    unsigned = httpx.post(
        f"{caller.url}/", params={"Action": "AssumeRole", "Version": "2015-04-01", **params}
    )
    assert unsigned.json()["Code"] == "MissingParameter"
    body = caller.call("AssumeRole", params, version="2015-04-01", method="GET")
    credentials = body["Credentials"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", credentials["Expiration"])
    sts_caller = RawCaller(caller.url, credentials["AccessKeyId"], credentials["AccessKeySecret"])
    chained = sts_caller.call(
        "AssumeRole", params, version="2015-04-01", path="/sts", security_token=credentials["SecurityToken"]
    )
    assert chained["Credentials"]["AccessKeyId"] != credentials["AccessKeyId"]
    sts_caller.close()
