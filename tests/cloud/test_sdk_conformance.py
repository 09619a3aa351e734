"""The official Alibaba SDK (alibabacloud-vpc20160428) drives the emulator unchanged.

The whole life cycle runs three times: default V3 signing, legacy ``v2`` signing,
and STS credentials issued by the emulator's own STS. Then the SDK's refusals:
wrong secret, unknown key, expired timestamp, replayed nonce. Finally a
Terraform-style request (POST, business parameters in a form body).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_vpc20160428 import models
from alibabacloud_vpc20160428.client import Client

from support.emulator import EmulatorProcess
from support.raw_signer import RawCaller

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

REGION = "cn-hangzhou"


def sdk_client(emulator: EmulatorProcess, **overrides: Any) -> Client:
    settings: dict[str, Any] = {
        "access_key_id": "emulator",
        "access_key_secret": "emulator-secret",
        "endpoint": emulator.endpoint,
        "protocol": "http",
        "region_id": REGION,
        **overrides,
    }
    return Client(Config(**settings))


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.05)


def describe(client: Client, flow_log_id: str) -> list[models.DescribeFlowLogsResponseBodyFlowLogsFlowLog]:
    body = client.describe_flow_logs(
        models.DescribeFlowLogsRequest(region_id=REGION, flow_log_id=flow_log_id)
    ).body
    assert body.success == "true"
    return list(body.flow_logs.flow_log)


def status_of(client: Client, flow_log_id: str) -> str | None:
    found = describe(client, flow_log_id)
    return found[0].status if found else None


def run_life_cycle(client: Client, resource_id: str) -> None:
    created = client.create_flow_log(
        models.CreateFlowLogRequest(
            region_id=REGION,
            resource_type="NetworkInterface",
            resource_id=resource_id,
            traffic_type="All",
            project_name="flowlog-hz",
            log_store_name="flowlog-store",
            flow_log_name="sdk test",
            description="created by the official SDK",
            aggregation_interval=5,
            traffic_path=["all"],
            tag=[models.CreateFlowLogRequestTag(key="owner", value="sdk")],
        )
    ).body
    assert created.success == "true"
    flow_log_id = created.flow_log_id
    assert flow_log_id.startswith("fl-")
    assert status_of(client, flow_log_id) == "Activating"
    wait_until(lambda: status_of(client, flow_log_id) == "Active")

    [described] = describe(client, flow_log_id)
    assert described.aggregation_interval == 5
    assert described.traffic_path.traffic_path_list == ["all"]
    assert [(t.key, t.value) for t in described.tags.tag] == [("owner", "sdk")]

    client.modify_flow_log_attribute(
        models.ModifyFlowLogAttributeRequest(
            region_id=REGION, flow_log_id=flow_log_id, description="changed text"
        )
    )
    assert describe(client, flow_log_id)[0].description == "changed text"

    client.deactive_flow_log(models.DeactiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    assert status_of(client, flow_log_id) == "Deactivating"
    wait_until(lambda: status_of(client, flow_log_id) == "Inactive")
    client.active_flow_log(models.ActiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    assert status_of(client, flow_log_id) == "Activating"
    wait_until(lambda: status_of(client, flow_log_id) == "Active")

    client.tag_resources(
        models.TagResourcesRequest(
            region_id=REGION,
            resource_type="FLOWLOG",
            resource_id=[flow_log_id],
            tag=[models.TagResourcesRequestTag(key="team", value="net")],
        )
    )
    listed = client.list_tag_resources(
        models.ListTagResourcesRequest(region_id=REGION, resource_type="FLOWLOG", resource_id=[flow_log_id])
    ).body
    assert {(t.tag_key, t.tag_value) for t in listed.tag_resources.tag_resource} == {
        ("owner", "sdk"),
        ("team", "net"),
    }
    client.un_tag_resources(
        models.UnTagResourcesRequest(
            region_id=REGION, resource_type="FLOWLOG", resource_id=[flow_log_id], tag_key=["owner"]
        )
    )
    assert [(t.key, t.value) for t in describe(client, flow_log_id)[0].tags.tag] == [("team", "net")]

    client.move_resource_group(
        models.MoveResourceGroupRequest(
            region_id=REGION,
            resource_id=flow_log_id,
            resource_type="FlowLog",
            new_resource_group_id="rg-acfmmoved01",
        )
    )
    assert describe(client, flow_log_id)[0].resource_group_id == "rg-acfmmoved01"

    client.delete_flow_log(models.DeleteFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    assert status_of(client, flow_log_id) == "Deleting"
    wait_until(lambda: status_of(client, flow_log_id) is None)


def test_life_cycle_with_default_v3_signature(emulator: EmulatorProcess) -> None:
    run_life_cycle(sdk_client(emulator), "eni-hz-prod-a1")
    assert emulator.calls()["CreateFlowLog"] == 1


def test_life_cycle_with_legacy_v2_signature(emulator: EmulatorProcess) -> None:
    run_life_cycle(sdk_client(emulator, signature_algorithm="v2"), "eni-hz-prod-a2")


def assume_role_with_oidc(emulator: EmulatorProcess) -> dict[str, str]:
    response = httpx.post(
        f"{emulator.url}/",
        params={
            "Action": "AssumeRoleWithOIDC",
            "Version": "2015-04-01",
            "Format": "JSON",
            "RoleArn": "acs:ram::1234567890123456:role/flowlog-operator",
            "OIDCProviderArn": "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0ffee",
            "OIDCToken": "eyJhbGciOiJSUzI1NiJ9.payload.signature",
            "RoleSessionName": "sdk-test",
        },
    )
    assert response.status_code == 200, response.text
    credentials: dict[str, str] = response.json()["Credentials"]
    return credentials


@pytest.mark.parametrize("signature_algorithm", [None, "v2"])
def test_life_cycle_with_sts_credentials_from_the_emulator(
    emulator: EmulatorProcess, signature_algorithm: str | None
) -> None:
    credentials = assume_role_with_oidc(emulator)
    assert credentials["AccessKeyId"].startswith("STS.")
    extra = {"signature_algorithm": signature_algorithm} if signature_algorithm else {}
    client = sdk_client(
        emulator,
        access_key_id=credentials["AccessKeyId"],
        access_key_secret=credentials["AccessKeySecret"],
        security_token=credentials["SecurityToken"],
        **extra,
    )
    run_life_cycle(client, "eni-hz-prod-b1")


def sdk_error(call: Callable[[], object]) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def describe_all(client: Client) -> object:
    return client.describe_flow_logs(models.DescribeFlowLogsRequest(region_id=REGION))


@pytest.mark.parametrize("signature_algorithm", [None, "v2"])
def test_a_wrong_secret_is_refused_as_signature_does_not_match(
    emulator: EmulatorProcess, signature_algorithm: str | None
) -> None:
    extra = {"signature_algorithm": signature_algorithm} if signature_algorithm else {}
    error = sdk_error(lambda: describe_all(sdk_client(emulator, access_key_secret="not-the-secret", **extra)))
    assert (error.code, error.status_code) == ("SignatureDoesNotMatch", 400)


def test_an_unknown_access_key_is_refused_as_not_found(emulator: EmulatorProcess) -> None:
    error = sdk_error(lambda: describe_all(sdk_client(emulator, access_key_id="nobody")))
    assert (error.code, error.status_code) == ("InvalidAccessKeyId.NotFound", 404)


@pytest.mark.parametrize("signature_algorithm", [None, "v2"])
def test_a_timestamp_twenty_minutes_old_is_refused_as_expired(
    emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch, signature_algorithm: str | None
) -> None:
    old = (datetime.now(tz=UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: old))
    extra = {"signature_algorithm": signature_algorithm} if signature_algorithm else {}
    error = sdk_error(lambda: describe_all(sdk_client(emulator, **extra)))
    assert error.code == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize("signature_algorithm", [None, "v2"])
def test_a_replayed_nonce_is_refused(
    emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch, signature_algorithm: str | None
) -> None:
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: "0123456789abcdef0123456789abcdef"))
    extra = {"signature_algorithm": signature_algorithm} if signature_algorithm else {}
    client = sdk_client(emulator, **extra)
    describe_all(client)
    error = sdk_error(lambda: describe_all(client))
    assert error.code == "SignatureNonceUsed"


def test_a_terraform_style_form_body_request_is_served(emulator: EmulatorProcess) -> None:
    """POST, common parameters in the query, business ones in a form body, HMAC-SHA1 over both."""
    caller = RawCaller(emulator.url)
    business = {
        "RegionId": REGION,
        "ResourceType": "VSwitch",
        "ResourceId": "vsw-hz-dev-a",
        "TrafficType": "Drop",
        "ProjectName": "flowlog-hz",
        "LogStoreName": "audit-store",
        "Description": "from terraform + friends",
    }
    response = caller.rpc("CreateFlowLog", business, form_body=True)
    assert response.status_code == 200, response.text
    flow_log_id = response.json()["FlowLogId"]
    [stored] = emulator.flowlogs()
    assert (stored["FlowLogId"], stored["Description"]) == (flow_log_id, "from terraform + friends")
    # The SDK reads back what the form body created.
    assert describe(sdk_client(emulator), flow_log_id)[0].traffic_type == "Drop"
    caller.close()
