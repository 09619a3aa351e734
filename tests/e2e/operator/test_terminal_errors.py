"""Terminal cloud errors: Ready=False with the Alibaba code, an Event, bounded calls, self-recovery.

Each case breaks something only a human can fix (a missing logstore, the flow-log quota, a foreign
flow log on the resource), checks that the operator says so and backs off instead of hammering the
cloud, then fixes the cause and checks the object recovers with no human step on the object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, condition, manifest
from support.operator import OperatorProcess
from support.raw_signer import RawCaller


@pytest.fixture
def operator(operator_factory: Callable[..., OperatorProcess], namespace: str) -> OperatorProcess:
    return operator_factory(namespaces=(namespace,))


def _missing_logstore(cloud: EmulatorProcess) -> tuple[dict[str, Any], Callable[[], None]]:
    def fix() -> None:
        cloud.merge_inventory(
            {"sls": [{"region": "cn-hangzhou", "project": "flowlog-hz", "logstores": ["late"]}]}
        )

    return {"logStoreName": "late"}, fix


def _quota(cloud: EmulatorProcess) -> tuple[dict[str, Any], Callable[[], None]]:
    cloud.set_account({"flowlog_quota": 0})
    return {}, lambda: cloud.set_account({"flowlog_quota": 100})


def _foreign_flow_log(cloud: EmulatorProcess) -> tuple[dict[str, Any], Callable[[], None]]:
    with RawCaller(cloud.url) as raw:
        answer = raw.call(
            "CreateFlowLog",
            {
                "RegionId": "cn-hangzhou",
                "ResourceType": "VPC",
                "ResourceId": "vpc-hz-prod",
                "TrafficType": "All",
                "ProjectName": "flowlog-hz",
                "LogStoreName": "flowlog-store",
            },
        )
    foreign = answer["FlowLogId"]
    cloud.wait_for_status(foreign, "Active")
    return {}, lambda: cloud.delete_flowlog(foreign)


CASES = {
    "ProjectOrLogstoreNotExist": _missing_logstore,
    "QuotaExceeded.FlowlogCount": _quota,
    "InvalidResourceId.NotFound": _foreign_flow_log,
}


@pytest.mark.usefixtures("operator")
@pytest.mark.parametrize("code", sorted(CASES))
def test_terminal_error_is_reported_backs_off_and_recovers_once_fixed(
    flowlogs: FlowLogs, cloud: EmulatorProcess, code: str
) -> None:
    spec, fix = CASES[code](cloud)
    flowlogs.apply(manifest("stuck", **spec))
    obj = flowlogs.wait(
        "stuck", lambda o: condition(o, "Ready").get("reason") == code, f"Ready reason {code}"
    )
    assert condition(obj, "Ready")["status"] == "False"
    assert code in condition(obj, "Ready")["message"]
    events = flowlogs.cluster.kubectl(
        "get",
        "events",
        "-n",
        flowlogs.namespace,
        "--field-selector",
        "involvedObject.name=stuck,type=Warning",
        "-o",
        "jsonpath={.items[*].reason}",
    ).stdout
    assert code in events.split()

    # Bounded: each attempt is exactly one CreateFlowLog, counted in status.failures (the client does
    # not retry a terminal answer); the growing delays between attempts are pinned by the core tests.
    first = flowlogs.wait("stuck", lambda o: (o["status"].get("failures") or 0) >= 1, "first failure")
    assert first["status"].get("flowLogId") is None
    third = flowlogs.wait(
        "stuck", lambda o: (o["status"].get("failures") or 0) >= 3, "third failure", timeout=60
    )
    assert cloud.calls()["CreateFlowLog"] <= third["status"]["failures"] + 1

    fix()
    flowlogs.wait_active("stuck", timeout=60)
    assert len([fl for fl in cloud.flowlogs() if fl["ResourceId"] == obj["spec"]["resourceId"]]) == 1
