"""What an operations team reads: Prometheus metrics, JSON logs, the liveness endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, manifest
from support.operator import OperatorProcess


def sample(metrics: str, name: str) -> float | None:
    for line in metrics.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_calls_objects_and_create_to_ready_latency(
    operator_factory: Callable[..., OperatorProcess],
    namespace: str,
    flowlogs: FlowLogs,
    cloud: EmulatorProcess,
) -> None:
    operator = operator_factory(namespaces=(namespace,))
    flowlogs.apply(manifest("measured"))
    flowlogs.wait_active("measured")
    text = operator.metrics()
    assert sample(text, 'flowlog_cloud_calls_total{action="CreateFlowLog",code="OK"}') == 1.0
    assert sample(text, 'flowlog_objects{cloud_status="Active"}') == 1.0
    assert sample(text, "flowlog_create_to_ready_seconds_count") == 1.0
    assert (sample(text, 'flowlog_reconciles_total{result="settled"}') or 0) >= 1
    assert (sample(text, 'flowlog_cloud_call_seconds_count{action="DescribeFlowLogs"}') or 0) >= 1
    health = httpx.get(f"http://127.0.0.1:{operator.health_port}/healthz", timeout=5)
    assert health.status_code == 200


def test_json_logs_are_one_object_per_line_and_carry_the_object_reference(
    operator_factory: Callable[..., OperatorProcess], namespace: str, flowlogs: FlowLogs
) -> None:
    operator = operator_factory(namespaces=(namespace,), env={"FLOWLOG_LOG_FORMAT": "json"})
    flowlogs.apply(manifest("logged"))
    flowlogs.wait_active("logged")
    lines = [line for line in operator.log_path.read_text().splitlines() if not line.startswith("--- start")]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, operator.tail()
    assert all("message" in record for record in records)
    about_it = [r for r in records if (r.get("object") or {}).get("name") == "logged"]
    assert about_it, "no log line names the FlowLog"
