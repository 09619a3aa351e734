"""Two elected operator processes over 200 FlowLogs; the leader SIGKILLed at five moments.

Leader election runs with its production timings (15 s lease, 10 s renew deadline, 2 s retry). Each
process has its own AccessKey, so the emulator's call log names the caller of every cloud call, and its own
``POD_NAME``, so the Lease names the leader. The moments are seeded progress marks ("the cloud holds k
flow logs"); each killed leader is replaced by a new process at once, so two always run. At the end:
exactly 200 flow logs, each owned by one object, all Active, one successful CreateFlowLog per object, and
every cloud call made by the process that held the Lease at that time: inside its tenure, from its
acquisition to its death, and tenures never overlap. Failover times are printed (``-s``) and bounded.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from resilience_fleet import OPERATOR_ENV, Fleet, emulator_args, kill_schedule

from support.controlplane import wait_for
from support.election import Lease, access_keys, calls_by_key, elected, key_of, read_lease
from support.emulator import EmulatorProcess
from support.operator import OperatorProcess

COUNT = 200
KILLS = 5
SEED = 23
LEASE_SECONDS, RETRY = 15, 2
NAMES = [f"op-{n}" for n in range(1, KILLS + 3)]  # two at the start, one replacement per kill
IN_FLIGHT = 2.0  # seconds after a SIGKILL within which calls sent before it may still be stamped


@dataclass
class Tenure:
    """One process's time as leader: from its acquisition (the Lease's acquireTime, written by itself) to
    its successor's. The emulator stamps a call when it handles it, a little after it was sent, so a
    call sent just before the SIGKILL can carry a later stamp; none can carry one past the successor's
    acquisition, some 15 s later."""

    name: str
    acquired: float
    killed: float = float("inf")
    succeeded: float = float("inf")

    def holds(self, moment: float) -> bool:
        return self.acquired <= moment < self.succeeded and moment < self.killed + IN_FLIGHT


@pytest.fixture
def elected_cloud(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(*emulator_args(tmp_path), *access_keys(NAMES)) as emulator:
        yield emulator


@pytest.fixture
def processes() -> Iterator[list[OperatorProcess]]:
    started: list[OperatorProcess] = []
    yield started
    for process in started:
        process.stop()


def current_lease(crd: Any, namespace: str, not_held_by: str = "") -> Lease:
    seen: dict[str, Lease] = {}

    def held() -> bool:
        lease = read_lease(crd, namespace)
        if lease is None or not lease.holder or lease.holder_name == not_held_by:
            return False
        seen["lease"] = lease
        return True

    wait_for(held, LEASE_SECONDS + 3 * RETRY + 10, f"a holder of the Lease other than {not_held_by!r}", 0.25)
    return seen["lease"]


def test_the_leader_sigkilled_at_five_moments_leaves_exactly_one_flow_log_each_all_made_by_the_leader(
    crd: Any, namespace: str, elected_cloud: EmulatorProcess, processes: list[OperatorProcess]
) -> None:
    began = time.monotonic()
    cloud = elected_cloud
    rng = random.Random(SEED)
    fleet = Fleet(crd, namespace, cloud, COUNT, "failover")
    spare = iter(NAMES)
    by_name: dict[str, OperatorProcess] = {}

    def start() -> OperatorProcess:
        name = next(spare)
        env = {**OPERATOR_ENV, **elected(namespace, name)}
        process = OperatorProcess(
            crd.kubeconfig, cloud.url, namespaces=(namespace,), env=env, access_key=key_of(name)
        )
        processes.append(process)
        by_name[name] = process
        return process.start()

    start()
    lease = current_lease(crd, namespace)
    assert lease.acquired is not None
    tenures = [Tenure(lease.holder_name, lease.acquired.timestamp())]
    start()
    fleet.apply_all()

    for mark in kill_schedule(rng, KILLS, 1, COUNT - 10):
        wait_for(lambda m=mark: fleet.cloud_count() >= m, 180, f"{mark} flow logs created")
        leader = tenures[-1]
        assert by_name[leader.name].running, f"{leader.name} died by itself:\n{by_name[leader.name].tail()}"
        by_name[leader.name].kill()
        leader.killed = time.time()
        start()  # two processes run again
        lease = current_lease(crd, namespace, not_held_by=leader.name)
        assert lease.acquired is not None
        leader.succeeded = lease.acquired.timestamp()
        tenures.append(Tenure(lease.holder_name, leader.succeeded))

    objects = fleet.wait_all_active(timeout=300)
    settled = time.monotonic()
    fleet.assert_exactly_one_active_flow_log_each(objects)
    creates = cloud.calls(detail=True)["CreateFlowLog"]["outcomes"]
    assert creates.get("OK") == COUNT, f"CreateFlowLog outcomes {creates}"

    # Every call was made by the process that held the Lease then; a standby never called.
    tenure_of = {tenure.name: tenure for tenure in tenures}
    for before, after in itertools.pairwise(tenures):
        assert after.acquired > before.killed, f"{after.name} led before {before.name} was killed"
    calls = calls_by_key(cloud)
    for name, made in calls.items():
        assert name in tenure_of, f"{name} never held the Lease but made {len(made)} cloud calls"
        tenure = tenure_of[name]
        outside = [c for c in made if not tenure.holds(c["time"])]
        assert outside == [], (
            f"{name} called the cloud outside its tenure {tenure}: {outside[:3]}; tenures {tenures}\n"
            f"{by_name[name].log_path}"
        )
    assert all(by_name[t.name].returncode is None for t in tenures[-1:]), "the last leader is alive"

    # Failover: from a SIGKILL to the successor's Lease, and to its first cloud call.
    successions = list(itertools.pairwise(tenures))
    to_lease = [successor.acquired - killed.killed for killed, successor in successions]
    # A successor killed at once (its mark already passed) may never have called: no figure for it.
    to_call = [
        min(c["time"] for c in calls[successor.name]) - killed.killed
        for killed, successor in successions
        if successor.name in calls
    ]
    print(
        f"\nfailover over {KILLS} SIGKILLs: to the Lease p50 {statistics.median(to_lease):.1f}s "
        f"max {max(to_lease):.1f}s; to the first cloud call p50 {statistics.median(to_call):.1f}s "
        f"max {max(to_call):.1f}s ({len(to_call)} successors called); all {COUNT} Active "
        f"{settled - began:.0f}s after the first start; test {time.monotonic() - began:.0f}s"
    )
    # The Lease runs out 15 s after the last renewal the standby saw (at most one retry period later).
    assert max(to_lease) <= LEASE_SECONDS + 2 * RETRY + 2, to_lease
