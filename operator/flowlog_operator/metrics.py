"""Prometheus metrics of the operator, served by ``flowlog-operator run`` on its metrics port.

Names follow the Prometheus conventions (``_total`` counters, ``_seconds`` histograms). All live in
one registry so that a process exposes exactly these (plus the default process collectors).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

RECONCILES = Counter(
    "flowlog_reconciles_total",
    "Reconcile passes by result (settled, requeued, failed, paused, released).",
    ["result"],
    registry=REGISTRY,
)
CLOUD_CALLS = Counter(
    "flowlog_cloud_calls_total",
    "Cloud API calls by action and answer code (OK for success).",
    ["action", "code"],
    registry=REGISTRY,
)
CLOUD_CALL_SECONDS = Histogram(
    "flowlog_cloud_call_seconds",
    "Latency of cloud API calls, retries included, by action.",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
OBJECTS = Gauge(
    "flowlog_objects",
    "FlowLog objects known to this operator, by the cloud status last seen.",
    ["cloud_status"],
    registry=REGISTRY,
)
CREATE_TO_READY_SECONDS = Histogram(
    "flowlog_create_to_ready_seconds",
    "Time from a FlowLog object's creation to its first Ready=True.",
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
STALL_WAKEUPS = Counter(
    "flowlog_stall_wakeups_total",
    "Objects woken because their next pass was overdue (the framework did not come back to them).",
    registry=REGISTRY,
)
LEADER = Gauge(
    "flowlog_leader",
    "1 while this process acts (holds the leader-election Lease, or runs without election); 0 on standby.",
    registry=REGISTRY,
)
