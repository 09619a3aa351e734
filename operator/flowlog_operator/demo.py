"""``flowlog-operator demo``: one FlowLog life cycle through our client against an embedded emulator.

No cluster needed: the emulator runs in this process, and the script creates a flow log, follows it
through Activating to Active, edits it, deactivates and reactivates it, tags it and deletes it,
printing every state the cloud reports. (``make demo`` runs the whole operator instead.)
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from flowlog_operator.cloud import (
    ActiveFlowLogRequest,
    CloudSettings,
    CreateFlowLogRequest,
    DeactiveFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    FlowLogClient,
    ModifyFlowLogAttributeRequest,
    StaticCredentialsProvider,
    TagResourcesRequest,
)
from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.server import run_emulator

REGION = "cn-hangzhou"


async def _status(client: FlowLogClient, flow_log_id: str) -> str | None:
    found = await client.list_flow_logs(DescribeFlowLogsRequest(region_id=REGION, flow_log_id=flow_log_id))
    return found[0].status if found else None


async def _follow(client: FlowLogClient, flow_log_id: str, until: str | None) -> None:
    """Print each state change until ``until`` (``None``: until the flow log is gone), for 30 s at most."""
    last = ""
    async with asyncio.timeout(30):
        while True:
            status = await _status(client, flow_log_id)
            shown = status or "(gone)"
            if shown != last:
                print(f"  {flow_log_id}: {shown}", flush=True)
                last = shown
            if status == until:
                return
            await asyncio.sleep(0.2)


async def life_cycle(delay: float) -> None:
    config = EmulatorConfig(port=0, activation_delay=delay, deactivation_delay=delay, deletion_delay=delay)
    async with run_emulator(config) as emulator:
        print(f"emulator listening on {emulator.url}")
        settings = CloudSettings.load(region=REGION, vpc_endpoint=emulator.url, allow_insecure_endpoint=True)
        credentials = StaticCredentialsProvider.from_keys("emulator", "emulator-secret")
        async with FlowLogClient(credentials, settings) as client:
            print("CreateFlowLog for vpc-hz-prod")
            created = await client.create_flow_log(
                CreateFlowLogRequest(
                    region_id=REGION,
                    resource_type="VPC",
                    resource_id="vpc-hz-prod",
                    traffic_type="All",
                    project_name="flowlog-hz",
                    log_store_name="flowlog-store",
                    flow_log_name="demo",
                )
            )
            flow_log_id = created.flow_log_id
            await _follow(client, flow_log_id, "Active")
            print("ModifyFlowLogAttribute: description and 1-minute aggregation")
            await client.modify_flow_log_attribute(
                ModifyFlowLogAttributeRequest(
                    region_id=REGION,
                    flow_log_id=flow_log_id,
                    description="edited by the demo",
                    aggregation_interval=1,
                )
            )
            print("TagResources: team=network")
            await client.tag_resources(
                TagResourcesRequest(region_id=REGION, resource_ids=[flow_log_id], tags={"team": "network"})
            )
            print("DeactiveFlowLog")
            await client.deactive_flow_log(DeactiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
            await _follow(client, flow_log_id, "Inactive")
            print("ActiveFlowLog")
            await client.active_flow_log(ActiveFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
            await _follow(client, flow_log_id, "Active")
            print("DeleteFlowLog")
            await client.delete_flow_log(DeleteFlowLogRequest(region_id=REGION, flow_log_id=flow_log_id))
            await _follow(client, flow_log_id, None)
    print("done: the flow log went Activating -> Active -> Inactive -> Active -> Deleting -> gone")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="flowlog-operator demo", description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0, help="emulator transition delay in seconds")
    args = parser.parse_args(list(argv))
    asyncio.run(life_cycle(args.delay))
    return 0
