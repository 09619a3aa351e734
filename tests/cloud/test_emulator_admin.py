"""The admin interface keeps its fixed shapes, and state survives a restart with a state file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from support.emulator import EmulatorProcess, state_file_in
from support.raw_signer import RawCaller

REGION = "cn-hangzhou"
CREATE = {
    "RegionId": REGION,
    "ResourceType": "NetworkInterface",
    "ResourceId": "eni-hz-prod-a1",
    "TrafficType": "All",
    "ProjectName": "flowlog-hz",
    "LogStoreName": "flowlog-store",
}


def test_inventory_has_the_fixed_shape_and_a_sensible_default(emulator: EmulatorProcess) -> None:
    inventory = emulator.inventory()
    assert {"regions", "vpcs", "sls"} <= set(inventory)
    assert {"cn-hangzhou", "cn-shanghai"} <= set(inventory["regions"])
    for vpc in inventory["vpcs"]:
        assert set(vpc) == {"id", "region", "vswitches"}
        for vswitch in vpc["vswitches"]:
            assert set(vswitch) == {"id", "enis"}
            assert all(isinstance(eni, str) for eni in vswitch["enis"])
    for region in ("cn-hangzhou", "cn-shanghai"):
        assert len([v for v in inventory["vpcs"] if v["region"] == region]) >= 2
        assert [s for s in inventory["sls"] if s["region"] == region and s["logstores"]]
    assert all(set(s) == {"region", "project", "logstores"} for s in inventory["sls"])


def test_merging_inventory_makes_new_resources_usable(emulator: EmulatorProcess) -> None:
    emulator.merge_inventory(
        {
            "regions": ["cn-beijing"],
            "vpcs": [
                {
                    "id": "vpc-bj-1",
                    "region": "cn-beijing",
                    "vswitches": [{"id": "vsw-bj-1", "enis": ["eni-bj-1"]}],
                }
            ],
            "sls": [{"region": "cn-beijing", "project": "flowlog-bj", "logstores": ["store"]}],
        }
    )
    emulator.merge_inventory(
        {
            "vpcs": [
                {
                    "id": "vpc-hz-prod",
                    "region": REGION,
                    "vswitches": [{"id": "vsw-hz-prod-a", "enis": ["eni-hz-new"]}],
                }
            ]
        }
    )
    inventory = emulator.inventory()
    assert "cn-beijing" in inventory["regions"]
    [prod] = [v for v in inventory["vpcs"] if v["id"] == "vpc-hz-prod"]
    assert "eni-hz-new" in prod["vswitches"][0]["enis"]
    assert "eni-hz-prod-a1" in prod["vswitches"][0]["enis"]
    with RawCaller(emulator.url) as caller:
        caller.call(
            "CreateFlowLog",
            {
                **CREATE,
                "RegionId": "cn-beijing",
                "ResourceId": "eni-bj-1",
                "ProjectName": "flowlog-bj",
                "LogStoreName": "store",
            },
        )
    assert (
        httpx.post(f"{emulator.url}/_emulator/inventory", json={"vpcs": [{"region": "x"}]}).status_code == 400
    )


def test_inventory_file_replaces_the_default(
    emulator_factory: Callable[..., EmulatorProcess], tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "regions: [eu-central-1]\n"
        "vpcs: [{id: vpc-eu, region: eu-central-1, vswitches: [{id: vsw-eu, enis: [eni-eu]}]}]\n"
        "sls: [{region: eu-central-1, project: logs-eu, logstores: [flow]}]\n"
        "markers: {eni-eu: [shared]}\n"
    )
    emulator = emulator_factory("--inventory", str(inventory))
    assert emulator.inventory()["regions"] == ["eu-central-1"]
    with RawCaller(emulator.url) as caller:
        body = caller.rpc(
            "CreateFlowLog",
            {
                **CREATE,
                "RegionId": "eu-central-1",
                "ResourceId": "eni-eu",
                "ProjectName": "logs-eu",
                "LogStoreName": "flow",
            },
        ).json()
    assert body["Code"] == "OperationDenied.OperateShareResource"


def test_calls_count_every_call_per_action(emulator: EmulatorProcess) -> None:
    with RawCaller(emulator.url) as caller:
        caller.call("CreateFlowLog", CREATE)
        caller.rpc("CreateFlowLog", CREATE)  # refused: the resource already has one
        caller.rpc("DescribeFlowLogs", {"RegionId": REGION}, secret="wrong")
    assert emulator.calls() == {"CreateFlowLog": 2, "DescribeFlowLogs": 1}
    detail = emulator.calls(detail=True)
    assert detail["CreateFlowLog"]["outcomes"] == {"OK": 1, "InvalidResourceId.NotFound": 1}
    assert detail["DescribeFlowLogs"]["outcomes"] == {"SignatureDoesNotMatch": 1}


def test_call_log_names_the_access_key_of_each_call_in_arrival_order(
    emulator_factory: Callable[..., EmulatorProcess],
) -> None:
    emulator = emulator_factory("--access-key", "second:second-secret")
    before = time.time()
    with RawCaller(emulator.url) as first, RawCaller(emulator.url, "second", "second-secret") as second:
        first.call("CreateFlowLog", CREATE)
        assert second.v3("DescribeFlowLogs", {"RegionId": REGION}).status_code == 200
        second.rpc("DescribeFlowLogs", {"RegionId": REGION}, secret="wrong")
    log = emulator.call_log()
    assert [(c["action"], c["accessKeyId"], c["outcome"]) for c in log] == [
        ("CreateFlowLog", "emulator", "OK"),
        ("DescribeFlowLogs", "second", "OK"),
        ("DescribeFlowLogs", "second", "SignatureDoesNotMatch"),
    ]
    times = [c["time"] for c in log]
    assert before <= times[0] <= times[1] <= times[2] <= time.time()
    emulator.clear_calls()
    assert emulator.call_log() == []


def test_admin_flowlogs_are_exactly_what_describe_returns(emulator: EmulatorProcess) -> None:
    with RawCaller(emulator.url) as caller:
        flow_log_id = caller.call("CreateFlowLog", {**CREATE, "Tag.1.Key": "k", "Tag.1.Value": "v"})[
            "FlowLogId"
        ]
        described = caller.call("DescribeFlowLogs", {"RegionId": REGION})["FlowLogs"]["FlowLog"]
    assert emulator.flowlogs() == described
    assert emulator.flowlog(flow_log_id) == described[0]


def test_out_of_band_changes_show_through_the_api(emulator: EmulatorProcess) -> None:
    with RawCaller(emulator.url) as caller:
        flow_log_id = caller.call("CreateFlowLog", CREATE)["FlowLogId"]
        emulator.wait_for_status(flow_log_id, "Active")
        emulator.edit_flowlog(flow_log_id, {"Status": "Inactive", "Description": "changed behind our back"})
        [seen] = caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["FlowLogs"][
            "FlowLog"
        ]
        assert (seen["Status"], seen["Description"]) == ("Inactive", "changed behind our back")
        emulator.delete_flowlog(flow_log_id)
        assert (
            caller.call("DescribeFlowLogs", {"RegionId": REGION, "FlowLogId": flow_log_id})["TotalCount"]
            == "0"
        )
    assert httpx.get(f"{emulator.url}/_emulator/flowlogs/{flow_log_id}").status_code == 404


def test_reset_returns_to_the_starting_point(emulator: EmulatorProcess) -> None:
    with RawCaller(emulator.url) as caller:
        caller.call("CreateFlowLog", CREATE)
    emulator.set_account({"service_enabled": False})
    emulator.merge_inventory({"regions": ["cn-beijing"]})
    emulator.reset()
    assert (emulator.flowlogs(), emulator.calls()) == ([], {})
    assert emulator.account()["service_enabled"] is True
    assert "cn-beijing" not in emulator.inventory()["regions"]


def test_state_survives_a_restart_with_a_state_file(
    emulator_factory: Callable[..., EmulatorProcess], tmp_path: Path
) -> None:
    emulator = emulator_factory(*state_file_in(tmp_path))
    port = emulator.port
    with RawCaller(emulator.url) as caller:
        flow_log_id = caller.call("CreateFlowLog", {**CREATE, "Tag.1.Key": "owner", "Tag.1.Value": "uid"})[
            "FlowLogId"
        ]
        emulator.wait_for_status(flow_log_id, "Active")
        caller.call("DeactiveFlowLog", {"RegionId": REGION, "FlowLogId": flow_log_id})
    emulator.set_account({"flowlog_quota": 7})
    emulator.merge_inventory({"regions": ["cn-beijing"]})
    sts = httpx.post(
        f"{emulator.url}/sts",
        params={
            "Action": "AssumeRoleWithOIDC",
            "Version": "2015-04-01",
            "OIDCToken": "t",
            "RoleArn": "acs:ram::1:role/r",
            "OIDCProviderArn": "acs:ram::1:oidc-provider/p",
        },
    ).json()["Credentials"]
    before = emulator.flowlogs()

    emulator.restart()
    assert emulator.port == port
    after = emulator.flowlogs()
    assert [f["FlowLogId"] for f in after] == [flow_log_id]
    assert after[0]["Tags"] == before[0]["Tags"]
    emulator.wait_for_status(flow_log_id, "Inactive")  # the transition carried on across the restart
    assert emulator.account()["flowlog_quota"] == 7
    assert "cn-beijing" in emulator.inventory()["regions"]
    with RawCaller(emulator.url, sts["AccessKeyId"], sts["AccessKeySecret"]) as sts_caller:
        response = sts_caller.rpc(
            "DescribeFlowLogs", {"RegionId": REGION}, security_token=sts["SecurityToken"]
        )
    assert response.status_code == 200
