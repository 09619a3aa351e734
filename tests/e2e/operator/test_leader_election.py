"""Two operator processes under leader election: one acts, the other stands by, never both at once.

Each process has its own AccessKey, so the emulator's call log names the process behind every cloud call,
and its own ``POD_NAME``, so the Lease names the leader. The election runs on the real Lease API of the
test cluster with the production timings (15 s lease, 10 s renew deadline, 2 s retry).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.apiproxy import LosingProxy, Rule, Verdict
from support.controlplane import wait_for
from support.election import access_keys, calls_by_key, elected, holder_name, key_of, read_lease
from support.emulator import EmulatorProcess
from support.flowlogs import FlowLogs, manifest
from support.operator import OperatorProcess

NAMES = ["op-a", "op-b"]
EXIT_LEADERSHIP_LOST = 3
LEASE_SECONDS, RENEW_DEADLINE, RETRY = 15, 10, 2


@pytest.fixture
def cloud() -> Iterator[EmulatorProcess]:
    """An emulator that accepts one AccessKey per operator process, with room for the fleets below."""
    args = ["--activation-delay", "1", "--deactivation-delay", "1", "--deletion-delay", "1"]
    with EmulatorProcess(*args, *access_keys(NAMES)) as emulator:
        vpcs = [{"id": f"vpc-le-{i}", "region": "cn-hangzhou", "vswitches": []} for i in range(40)]
        emulator.merge_inventory({"vpcs": vpcs})
        yield emulator


Start = Callable[..., OperatorProcess]


@pytest.fixture
def elected_operator(crd: Any, cloud: EmulatorProcess, namespace: str) -> Iterator[Start]:
    """``start(name, kubeconfig=None)``: an operator process with leader election on, as ``name``."""
    started: list[OperatorProcess] = []

    def start(name: str, kubeconfig: Path | None = None) -> OperatorProcess:
        process = OperatorProcess(
            kubeconfig or crd.kubeconfig,
            cloud.url,
            namespaces=(namespace,),
            env=elected(namespace, name),
            access_key=key_of(name),
        )
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


def fleet(flowlogs: FlowLogs, names: range) -> list[str]:
    applied = [f"le-{i}" for i in names]
    for name, i in zip(applied, names, strict=True):
        flowlogs.apply(manifest(name, resourceId=f"vpc-le-{i}"))
    return applied


def wait_all_active(flowlogs: FlowLogs, names: list[str], operators: list[OperatorProcess]) -> None:
    for name in names:
        try:
            flowlogs.wait_active(name, timeout=120)
        except TimeoutError as error:
            logs = "\n".join(f"--- {p.log_path}\n{p.tail(30)}" for p in operators)
            raise AssertionError(f"{error}\n{logs}") from None


def leader_and_standby(
    crd: Any, namespace: str, start: Start, kubeconfig: Path | None = None
) -> tuple[OperatorProcess, OperatorProcess]:
    """op-a (through ``kubeconfig`` if given) takes the Lease; then op-b starts and stands by."""
    first = start("op-a", kubeconfig)
    wait_for(lambda: holder_name(crd, namespace) == "op-a", 30, "op-a to take the Lease", interval=0.5)
    second = start("op-b")
    wait_for(lambda: str(second.health()["holder"]).startswith("op-a_"), 30, "op-b to see op-a lead")
    return first, second


def test_only_the_lease_holder_calls_the_cloud_and_a_stopped_leader_hands_over_at_once(
    crd: Any, namespace: str, cloud: EmulatorProcess, elected_operator: Start, flowlogs: FlowLogs
) -> None:
    first, second = leader_and_standby(crd, namespace, elected_operator)

    names = fleet(flowlogs, range(5))
    wait_all_active(flowlogs, names, [first, second])
    assert set(calls_by_key(cloud)) == {"op-a"}, "the standby called the cloud"
    assert first.health()["leader"] is True
    assert second.health() == {
        "leader": False,
        "identity": f"op-b_{second.pid}",
        "holder": f"op-a_{first.pid}",
        "lease": f"{namespace}/flowlog-operator",
    }
    assert "flowlog_leader 1.0" in first.metrics()
    assert "flowlog_leader 0.0" in second.metrics()

    stopped_at = time.monotonic()
    first.stop()
    assert first.returncode == 0
    wait_for(lambda: holder_name(crd, namespace) == "op-b", 30, "op-b to take over", interval=0.2)
    handover = time.monotonic() - stopped_at
    # Released on SIGTERM: op-b did not wait for the 15 s lease to run out.
    assert handover < LEASE_SECONDS - RETRY, f"handover took {handover:.1f}s"

    names += fleet(flowlogs, range(5, 8))
    wait_all_active(flowlogs, names, [first, second])
    by_key = calls_by_key(cloud)
    creates = {key: sum(c["action"] == "CreateFlowLog" for c in calls) for key, calls in by_key.items()}
    assert creates == {"op-a": 5, "op-b": 3}
    last_of_first = max(c["time"] for c in by_key["op-a"])
    first_of_second = min(c["time"] for c in by_key["op-b"])
    assert last_of_first < first_of_second, "both processes called the cloud in the same span"


def lease_requests_refused(cut: threading.Event) -> Rule:
    def rule(method: str, path: str, content_type: str, body: bytes) -> Verdict:
        return "unavailable" if cut.is_set() and "/leases" in path else "forward"

    return rule


def forward_all(method: str, path: str, content_type: str, body: bytes) -> Verdict:
    return "forward"


def writes_after(proxy: LosingProxy, moment: float) -> list[str]:
    """Writes that reached the API server through ``proxy`` after ``moment``, except to the Lease.

    A Lease write carries the resourceVersion it read: a stale one is refused (409), so a renewal
    sent before a freeze and landing after it cannot take the Lease from another holder.
    """
    return [
        f"{method} {path}"
        for at, method, path in list(proxy.requests)
        if at > moment and method != "GET" and "/leases" not in path
    ]


def test_a_leader_that_cannot_renew_stops_before_its_lease_can_pass_to_the_standby(
    crd: Any, namespace: str, cloud: EmulatorProcess, elected_operator: Start, flowlogs: FlowLogs
) -> None:
    """op-a still reaches the API server and the cloud, only its Lease requests fail: it must stop itself."""
    cut = threading.Event()
    with LosingProxy(crd.kubeconfig, lease_requests_refused(cut)) as proxy:
        first, second = leader_and_standby(crd, namespace, elected_operator, proxy.kubeconfig)
        names = fleet(flowlogs, range(4))
        wait_all_active(flowlogs, names, [first, second])

        cut_at = time.time()
        cut.set()
        names += fleet(flowlogs, range(4, 12))  # work keeps coming while op-a cannot renew
        wait_for(lambda: first.returncode is not None, RENEW_DEADLINE + 5, f"op-a to stop\n{first.tail()}")
        stopped_at = time.time()
        assert first.returncode == EXIT_LEADERSHIP_LOST, first.tail()
        # Its last renewal was before the cut: it stopped within the renew deadline, before the lease ran out.
        assert stopped_at - cut_at < RENEW_DEADLINE + 1, (
            f"op-a stopped {stopped_at - cut_at:.1f}s after the cut"
        )

        wait_for(lambda: holder_name(crd, namespace) == "op-b", LEASE_SECONDS + 10, "op-b to take over", 0.5)
        lease = read_lease(crd, namespace)
        assert lease is not None
        assert lease.acquired is not None
        assert lease.acquired.timestamp() > stopped_at, "op-b took the Lease while op-a still ran"
        wait_all_active(flowlogs, names, [first, second])

    by_key = calls_by_key(cloud)
    assert max(c["time"] for c in by_key["op-a"]) < stopped_at
    assert min(c["time"] for c in by_key["op-b"]) > lease.acquired.timestamp()
    assert writes_after(proxy, stopped_at) == []
    flow_logs = cloud.flowlogs()
    assert len(flow_logs) == len(names), "a flow log was created twice (or not at all)"
    assert {f["Status"] for f in flow_logs} == {"Active"}


def test_a_leader_frozen_past_its_lease_wakes_up_and_exits_without_acting(
    crd: Any, namespace: str, cloud: EmulatorProcess, elected_operator: Start, flowlogs: FlowLogs
) -> None:
    """SIGSTOP (a paused VM, a stalled node) at rest; new work arrives; SIGCONT once op-b did it.

    op-a is frozen with nothing in flight (a request already past the fence when a process freezes can
    still go out when it wakes: the cloud has no fencing token to refuse it). On waking, its watch hands
    it the FlowLogs op-b handled meanwhile: it must exit without a single call or write.
    """
    with LosingProxy(crd.kubeconfig, forward_all) as proxy:
        first, second = leader_and_standby(crd, namespace, elected_operator, proxy.kubeconfig)
        names = fleet(flowlogs, range(3))
        wait_all_active(flowlogs, names, [first, second])

        def at_rest() -> bool:
            recent = time.time() - 1.0
            calls = calls_by_key(cloud)["op-a"]
            return max(c["time"] for c in calls) < recent and not writes_after(proxy, recent)

        wait_for(at_rest, 30, "op-a to be at rest")
        frozen_at = time.time()
        first.freeze()
        names += fleet(flowlogs, range(3, 8))
        wait_for(lambda: holder_name(crd, namespace) == "op-b", LEASE_SECONDS + 10, "op-b to take over", 0.5)
        wait_all_active(flowlogs, names, [first, second])

        first.thaw()
        wait_for(lambda: first.returncode is not None, 10, f"op-a to stop on waking\n{first.tail()}")
        assert first.returncode == EXIT_LEADERSHIP_LOST, first.tail()
        assert [c for c in calls_by_key(cloud)["op-a"] if c["time"] > frozen_at] == []
        assert writes_after(proxy, frozen_at) == []
    flow_logs = cloud.flowlogs()
    assert len(flow_logs) == len(names)
    assert {f["Status"] for f in flow_logs} == {"Active"}
