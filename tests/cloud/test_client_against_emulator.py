"""Our client against the emulator over real HTTP: life cycle with every credential kind and both
signatures, paging past 120 flow logs, every CreateFlowLog error classified as the table says, and
convergence under throttling and 30 % injected faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flowlog_operator.cloud import (
    ERROR_TABLE,
    ActiveFlowLogRequest,
    AmbiguousResultError,
    CloudError,
    CloudSettings,
    CreateFlowLogRequest,
    DeactiveFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    FlowLog,
    FlowLogClient,
    FlowLogNotFound,
    GetFlowLogServiceStatusRequest,
    ListTagResourcesRequest,
    ModifyFlowLogAttributeRequest,
    MoveResourceGroupRequest,
    OidcRoleCredentialsProvider,
    OpenFlowLogServiceRequest,
    ResourceAlreadyHasFlowLog,
    StaticCredentialsProvider,
    TagResourcesRequest,
    UnTagResourcesRequest,
    classify_code,
    credentials_from_environment,
)
from flowlog_operator.cloud.credentials import CredentialsProvider
from flowlog_operator.cloud.errors import SERVER_ERROR_CODES
from flowlog_operator.emulator import triggers
from support.emulator import EmulatorProcess

REGION = "cn-hangzhou"
OWNER_TAG = "flowlog.alicloud.io/owner"
FAST = ("--activation-delay", "0.2", "--deactivation-delay", "0.2", "--deletion-delay", "0.2")


def client_for(
    emulator: EmulatorProcess, credentials: CredentialsProvider | None = None, **settings: Any
) -> FlowLogClient:
    settings.setdefault(
        "rate_limits", dict.fromkeys(["CreateFlowLog", "DescribeFlowLogs", "DeleteFlowLog"], 6000)
    )
    return FlowLogClient(
        credentials or StaticCredentialsProvider.from_keys("emulator", "emulator-secret"),
        CloudSettings(vpc_endpoint=emulator.url, allow_insecure_endpoint=True, region=REGION, **settings),
    )


async def wait_for(client: FlowLogClient, flow_log_id: str, status: str | None, within: float = 10.0) -> None:
    """Poll DescribeFlowLogs (the real observation path) until the status is reached (None: gone)."""
    deadline = time.monotonic() + within
    seen: list[FlowLog] = []
    while time.monotonic() < deadline:
        page = await client.describe_flow_logs(
            DescribeFlowLogsRequest(region_id=REGION, flow_log_id=flow_log_id)
        )
        seen = page.flow_logs
        if (status is None and not seen) or (seen and seen[0].status == status):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{flow_log_id} did not reach {status}; last seen {seen}")


def create_request(resource_id: str = "eni-hz-prod-a1", **extra: Any) -> CreateFlowLogRequest:
    return CreateFlowLogRequest(
        region_id=REGION,
        resource_type="NetworkInterface",
        resource_id=resource_id,
        traffic_type="All",
        project_name="flowlog-hz",
        log_store_name="flowlog-store",
        **extra,
    )


async def life_cycle(client: FlowLogClient) -> None:
    status = await client.get_flow_log_service_status(GetFlowLogServiceStatusRequest(region_id=REGION))
    assert status.enabled is True
    assert (await client.open_flow_log_service(OpenFlowLogServiceRequest(region_id=REGION))).already_open

    created = await client.create_flow_log(
        create_request(
            flow_log_name="web",
            aggregation_interval=5,
            traffic_path=["all"],
            tags={OWNER_TAG: "uid-1", "env": "dev"},
        )
    )
    flow_log_id = created.flow_log_id
    assert created.success is True
    await wait_for(client, flow_log_id, "Active")

    by_tag = await client.list_flow_logs(DescribeFlowLogsRequest(region_id=REGION, tags={OWNER_TAG: "uid-1"}))
    assert [f.flow_log_id for f in by_tag] == [flow_log_id]
    (found,) = by_tag
    assert (found.aggregation_interval, found.traffic_path, found.flow_log_name) == (5, ["all"], "web")
    assert found.tags == {OWNER_TAG: "uid-1", "env": "dev"}
    assert found.creation_time is not None

    with pytest.raises(ResourceAlreadyHasFlowLog):
        await client.create_flow_log(create_request())

    await client.modify_flow_log_attribute(
        ModifyFlowLogAttributeRequest(region_id=REGION, flow_log_id=flow_log_id, description="changed a b*~")
    )
    await client.deactive_flow_log(DeactiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    await wait_for(client, flow_log_id, "Inactive")
    await client.active_flow_log(ActiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    await wait_for(client, flow_log_id, "Active")

    await client.tag_resources(
        TagResourcesRequest(region_id=REGION, resource_ids=[flow_log_id], tags={"team": "net"})
    )
    await client.untag_resources(
        UnTagResourcesRequest(region_id=REGION, resource_ids=[flow_log_id], tag_keys=["env"])
    )
    listing = ListTagResourcesRequest(region_id=REGION, resource_ids=[flow_log_id])
    pairs = {(t.tag_key, t.tag_value) async for t in client.iter_tag_resources(listing)}
    assert pairs == {(OWNER_TAG, "uid-1"), ("team", "net")}
    await client.move_resource_group(
        MoveResourceGroupRequest(
            region_id=REGION, resource_id=flow_log_id, new_resource_group_id="rg-acfmteam02"
        )
    )
    (after,) = (
        await client.describe_flow_logs(DescribeFlowLogsRequest(region_id=REGION, flow_log_id=flow_log_id))
    ).flow_logs
    assert after.description == "changed a b*~"
    assert after.resource_group_id == "rg-acfmteam02"

    await client.untag_resources(
        UnTagResourcesRequest(region_id=REGION, resource_ids=[flow_log_id], all=True)
    )
    assert [t async for t in client.iter_tag_resources(listing)] == []

    await client.delete_flow_log(DeleteFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
    await wait_for(client, flow_log_id, None)
    with pytest.raises(FlowLogNotFound):
        await client.delete_flow_log(DeleteFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))


@pytest.mark.parametrize("algorithm", ["v3", "v2"])
async def test_life_cycle_with_an_access_key(
    emulator_factory: Callable[..., EmulatorProcess], algorithm: str
) -> None:
    emulator = emulator_factory(*FAST, fast=False)
    async with client_for(emulator, signature_algorithm=algorithm) as client:
        await life_cycle(client)
    calls = emulator.calls(detail=True)
    assert calls["CreateFlowLog"]["outcomes"] == {"OK": 1, "InvalidResourceId.NotFound": 1}
    assert "SignatureDoesNotMatch" not in str(calls)


def write_token(tmp_path: Path, content: str = "oidc-token-from-kubelet") -> Path:
    token_file = tmp_path / "token"
    token_file.write_text(content)
    return token_file


def rrsa_environment(emulator: EmulatorProcess, token_file: Path) -> dict[str, str]:
    return {
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890:role/flowlog-operator",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1234567890:oidc-provider/ack-rrsa-c123",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token_file),
        "FLOWLOG_STS_ENDPOINT": emulator.url,
        "FLOWLOG_ALLOW_INSECURE_ENDPOINT": "true",
    }


@pytest.mark.parametrize("algorithm", ["v3", "v2"])
async def test_life_cycle_with_an_sts_token(
    emulator_factory: Callable[..., EmulatorProcess], tmp_path: Path, algorithm: str
) -> None:
    emulator = emulator_factory(*FAST, fast=False)
    rrsa = credentials_from_environment(rrsa_environment(emulator, write_token(tmp_path)))
    assert isinstance(rrsa, OidcRoleCredentialsProvider)
    issued = await rrsa.get()
    await rrsa.aclose()
    assert issued.security_token is not None
    sts = StaticCredentialsProvider(issued.model_copy(update={"provider_name": "static_sts"}))
    async with client_for(emulator, sts, signature_algorithm=algorithm) as client:
        await life_cycle(client)


async def test_life_cycle_with_rrsa_through_the_emulator_sts(
    emulator_factory: Callable[..., EmulatorProcess], tmp_path: Path
) -> None:
    emulator = emulator_factory(*FAST, "--oidc-token", "oidc-token-from-kubelet", fast=False)
    rrsa = credentials_from_environment(rrsa_environment(emulator, write_token(tmp_path)))
    assert isinstance(rrsa, OidcRoleCredentialsProvider)
    async with client_for(emulator, rrsa) as client:
        await life_cycle(client)
    await rrsa.aclose()
    assert emulator.calls()["AssumeRoleWithOIDC"] == 1


async def test_rrsa_with_a_rejected_token_is_a_terminal_error(
    emulator_factory: Callable[..., EmulatorProcess], tmp_path: Path
) -> None:
    emulator = emulator_factory("--oidc-token", "the-right-one")
    rrsa = credentials_from_environment(rrsa_environment(emulator, write_token(tmp_path, "a-wrong-one")))
    async with client_for(emulator, rrsa) as client:
        with pytest.raises(CloudError) as caught:
            await client.get_flow_log_service_status(GetFlowLogServiceStatusRequest(region_id=REGION))
    assert caught.value.code == "AuthenticationFail.OIDCToken.Invalid"
    assert not caught.value.retryable
    assert isinstance(rrsa, OidcRoleCredentialsProvider)
    await rrsa.aclose()


BULK_ENIS = [f"eni-hz-bulk-{i:03d}" for i in range(130)]
BULK_INVENTORY = {
    "vpcs": [{"id": "vpc-hz-bulk", "region": REGION, "vswitches": [{"id": "vsw-hz-bulk", "enis": BULK_ENIS}]}]
}


async def test_paging_reads_every_one_of_more_than_120_flow_logs(emulator: EmulatorProcess) -> None:
    emulator.merge_inventory(BULK_INVENTORY)
    emulator.set_account({"flowlog_quota": 500})
    async with client_for(emulator) as client:
        created = await asyncio.gather(
            *(
                client.create_flow_log(create_request(eni, tags={"batch": "paging"}))
                for eni in BULK_ENIS[:125]
            )
        )
        emulator.clear_calls()
        found = await client.list_flow_logs(
            DescribeFlowLogsRequest(region_id=REGION, tags={"batch": "paging"})
        )
    assert sorted(f.flow_log_id for f in found) == sorted(c.flow_log_id for c in created)
    assert len(found) == 125
    assert emulator.calls()["DescribeFlowLogs"] == 3  # 50 + 50 + 25


TRIGGERS = triggers.create_error_triggers()


def _request_from_wire(params: dict[str, str]) -> CreateFlowLogRequest:
    """Our typed request for a row's wire parameters; absent required ones stay absent on the wire."""
    fields: dict[str, Any] = {"traffic_path": [], "tags": {}}
    tag_keys: dict[str, str] = {}
    tag_values: dict[str, str] = {}
    by_alias = {info.alias: name for name, info in CreateFlowLogRequest.model_fields.items()}
    for name, value in params.items():
        if name.startswith("TrafficPath."):
            fields["traffic_path"].append(value)
        elif name.startswith("Tag.") and name.endswith(".Key"):
            tag_keys[name.split(".")[1]] = value
        elif name.startswith("Tag.") and name.endswith(".Value"):
            tag_values[name.split(".")[1]] = value
        else:
            fields[by_alias[name]] = value
    fields["tags"] = {key: tag_values.get(index, "") for index, key in tag_keys.items()}
    for required in ("region_id", "resource_type", "resource_id", "traffic_type"):
        fields.setdefault(required, None)
    if all(fields[r] is not None for r in ("region_id", "resource_type", "resource_id", "traffic_type")):
        return CreateFlowLogRequest(**fields)
    return CreateFlowLogRequest.model_construct(**fields)


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--activation-delay", "0") as process:
        yield process


def test_every_emulator_create_error_is_in_our_table() -> None:
    assert sorted(t.code for t in TRIGGERS if t.code not in ERROR_TABLE) == []


@pytest.mark.parametrize("trigger", TRIGGERS, ids=[t.code for t in TRIGGERS])
async def test_create_error_is_classified_as_the_table_says(
    shared_emulator: EmulatorProcess, trigger: triggers.CreateErrorTrigger
) -> None:
    shared_emulator.reset()
    if trigger.account:
        shared_emulator.set_account(trigger.account)
    if trigger.inventory:
        shared_emulator.merge_inventory(trigger.inventory)
    request = _request_from_wire(triggers.request_params(trigger))
    async with client_for(shared_emulator, max_attempts=2, backoff_base=0.01, backoff_max=0.02) as client:
        if trigger.precreate:
            await client.create_flow_log(_request_from_wire(triggers.base_params()))
        with pytest.raises(CloudError) as caught:
            await client.create_flow_log(request)
    error = caught.value
    assert error.code == trigger.code
    if trigger.code in SERVER_ERROR_CODES:
        assert type(error) is AmbiguousResultError  # a server error may hide a created flow log
    else:
        assert type(error) is classify_code(trigger.code, action="CreateFlowLog")
    assert error.http_status == 400
    assert error.request_id
    assert error.action == "CreateFlowLog"


async def ensure_flow_log(client: FlowLogClient, resource_id: str, owner: str) -> str:
    """The operator's create rule: on an ambiguous answer or a duplicate, look up by ownership tag."""
    while True:
        try:
            return (
                await client.create_flow_log(create_request(resource_id, tags={OWNER_TAG: owner}))
            ).flow_log_id
        except (AmbiguousResultError, ResourceAlreadyHasFlowLog):
            mine = await client.list_flow_logs(
                DescribeFlowLogsRequest(region_id=REGION, tags={OWNER_TAG: owner})
            )
            if mine:
                return mine[0].flow_log_id


async def test_throttling_by_the_emulator_is_absorbed(emulator: EmulatorProcess) -> None:
    emulator.set_rate_limits({"limits": {"DescribeFlowLogs": "5/1"}})
    async with client_for(emulator, max_attempts=10, rate_limits={"DescribeFlowLogs": 100_000}) as client:
        pages = await asyncio.gather(
            *(client.describe_flow_logs(DescribeFlowLogsRequest(region_id=REGION)) for _ in range(12))
        )
    assert len(pages) == 12
    outcomes = emulator.calls(detail=True)["DescribeFlowLogs"]["outcomes"]
    assert outcomes["Throttling.User"] >= 1
    assert outcomes["OK"] == 12


async def test_thirty_percent_faults_still_converge_without_duplicates(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory(*FAST, fast=False)
    emulator.merge_inventory(BULK_INVENTORY)
    emulator.set_faults(
        {
            "error_rates": {"ServiceUnavailable": 0.1, "InternalError": 0.05, "Throttling.User": 0.05},
            "drop_rate": 0.1,
            "seed": 42,
        }
    )
    resources = BULK_ENIS[:8]
    async with client_for(
        emulator, max_attempts=12, backoff_base=0.02, backoff_max=0.2, retry_budget=500
    ) as client:
        ids = await asyncio.gather(*(ensure_flow_log(client, eni, f"uid-{eni}") for eni in resources))
        for flow_log_id in ids:
            await wait_for(client, flow_log_id, "Active", within=30)
        await asyncio.gather(
            *(client.delete_flow_log(DeleteFlowLogRequest(region_id=REGION, flow_log_id=i)) for i in ids)
        )
        for flow_log_id in ids:
            await wait_for(client, flow_log_id, None, within=30)
    emulator.set_faults({})
    assert len(set(ids)) == len(resources)
    assert emulator.flowlogs() == []
    outcomes = emulator.calls(detail=True)
    faulted = sum(
        count for action in outcomes.values() for code, count in action["outcomes"].items() if code != "OK"
    )
    assert faulted > 0
