"""In-process ``run_emulator`` serves on a free port; the state machine follows the clock alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.server import run_emulator
from support.raw_signer import rpc_signature


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(tz=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def signed_url(clock: FakeClock, action: str, params: dict[str, str]) -> str:
    query = {
        "Action": action,
        "Version": "2016-04-28",
        "AccessKeyId": "emulator",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.fromtimestamp(clock.now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **params,
    }
    query["Signature"] = rpc_signature("GET", query, "emulator-secret")
    return "/?" + urlencode(query)


async def call(client: httpx.AsyncClient, clock: FakeClock, action: str, **params: str) -> dict[str, Any]:
    response = await client.get(signed_url(clock, action, params))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_transitions_happen_exactly_when_the_clock_reaches_them() -> None:
    clock = FakeClock()
    config = EmulatorConfig(port=0, activation_delay=30, deactivation_delay=10, deletion_delay=5)
    async with run_emulator(config, clock=clock) as server, httpx.AsyncClient(base_url=server.url) as client:
        assert server.port != 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        flow_log_id = (
            await call(
                client,
                clock,
                "CreateFlowLog",
                RegionId="cn-hangzhou",
                ResourceType="VSwitch",
                ResourceId="vsw-hz-dev-a",
                TrafficType="All",
                ProjectName="flowlog-hz",
                LogStoreName="flowlog-store",
            )
        )["FlowLogId"]

        async def status() -> str | None:
            found = (await call(client, clock, "DescribeFlowLogs", RegionId="cn-hangzhou"))["FlowLogs"][
                "FlowLog"
            ]
            return found[0]["Status"] if found else None

        clock.now += 29.9
        assert await status() == "Activating"
        clock.now += 0.1
        assert await status() == "Active"
        await call(client, clock, "DeactiveFlowLog", RegionId="cn-hangzhou", FlowLogId=flow_log_id)
        clock.now += 9.9
        assert await status() == "Deactivating"
        clock.now += 0.1
        assert await status() == "Inactive"
        await call(client, clock, "DeleteFlowLog", RegionId="cn-hangzhou", FlowLogId=flow_log_id)
        clock.now += 4.9
        assert await status() == "Deleting"
        clock.now += 0.1
        assert await status() is None
        assert server.runtime.calls.totals()["DescribeFlowLogs"] == 6
