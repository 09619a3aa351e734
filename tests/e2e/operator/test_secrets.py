"""Credentials stay out of what namespace viewers read: Events, the FlowLog's status, the operator's log.

The operator signs with STS credentials the emulator issued but a wrong AccessKey secret, so every
call is refused with ``SignatureDoesNotMatch``, and the refusal echoes the canonical request, AccessKeyId
and STS token included (as the real gateway echoes its string-to-sign).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, condition, manifest
from support.operator import OperatorProcess
from support.raw_signer import RawCaller

CODE = "SignatureDoesNotMatch"
WRONG_SECRET = "not-the-secret-the-emulator-issued"


def test_after_a_refused_signature_no_event_status_or_log_line_holds_the_access_key_id_or_token(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    issued = cloud.issue_sts_credentials()
    key_id, token = issued["AccessKeyId"], issued["SecurityToken"]
    # What the operator is up against: the emulator echoes both in its refusal.
    with RawCaller(cloud.url, key_id, WRONG_SECRET) as raw:
        echo = raw.rpc("DescribeFlowLogs", {"RegionId": "cn-hangzhou"}, security_token=token).json()
    assert echo["Code"] == CODE
    assert key_id in echo["Message"]
    assert token in echo["Message"]

    operator = operator_factory(
        namespaces=(namespace,),
        env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": WRONG_SECRET,
            "ALIBABA_CLOUD_SECURITY_TOKEN": token,
            # Debug logging too: httpx request lines, kopf's patches and object bodies.
            "FLOWLOG_VERBOSE": "true",
        },
    )
    flowlogs.apply(manifest("refused"))
    obj = flowlogs.wait(
        "refused", lambda o: condition(o, "Ready").get("reason") == CODE, f"Ready reason {CODE}"
    )
    assert "check the AccessKey secret" in condition(obj, "Ready")["message"]
    # A second refusal, so that a retry's Event and log lines are in what is read below.
    flowlogs.wait("refused", lambda o: (o["status"].get("failures") or 0) >= 2, "second failure")

    def events() -> str:
        return str(flowlogs.cluster.kubectl("get", "events", "-n", namespace, "-o", "json").stdout)

    wait_for(lambda: f'"reason": "{CODE}"' in events(), 30, f"a {CODE} Event", interval=0.25)
    wait_for(
        lambda: CODE in operator.log_path.read_text(), 30, f"{CODE} in the operator's log", interval=0.25
    )

    readable = {
        "events": events(),
        "flowlog": json.dumps(flowlogs.get("refused")),
        "operator log": operator.log_path.read_text(errors="replace"),
    }
    assert CODE in readable["flowlog"]
    for where, text in readable.items():
        assert key_id not in text, f"the AccessKeyId is in the {where}"
        assert token not in text, f"the STS token is in the {where}"
    # Every call of the operator was refused (the lookup before the create is the first one it makes).
    calls = cloud.calls(detail=True)
    outcomes = {
        code
        for action in ("DescribeFlowLogs", "CreateFlowLog")
        for code in calls.get(action, {}).get("outcomes", {})
    }
    assert outcomes == {CODE}
