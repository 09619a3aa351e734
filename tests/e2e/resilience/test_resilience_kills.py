"""Two hundred FlowLogs while the operator is SIGKILLed at ten seeded moments, healthy or failing cloud.

The moments are progress marks drawn from a seeded RNG: "the cloud holds k flow logs" while creating, "k flow
logs are not yet being deleted" while deleting. At the end there is exactly one Active flow log per object,
owned by it, no CreateFlowLog beyond one success per object, and after deleting every object nothing is left.
The emulator accepts several flow logs per resource, so none of that is the cloud's doing; the failing cloud
also loses answers after the action ran (a CreateFlowLog that succeeded while the operator saw it fail).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from resilience_fleet import Fleet, kill_schedule

from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.operator import OperatorProcess
from support.resilience import failed_calls, lost_answers, thirty_percent_faults

COUNT = 200
KILLS_CREATING = 10
KILLS_DELETING = 3
# 30 % of writes fail: throttled, 5xx or dropped before the action, or the answer lost after it (dropped,
# held past the client's timeout, 5xx); every call is also slowed down.
THIRTY_PERCENT = thirty_percent_faults(seed=61, latency_ms=10, latency_jitter_ms=90)


@pytest.mark.parametrize(
    ("seed", "faults"), [(6, None), (30, THIRTY_PERCENT)], ids=["healthy-cloud", "thirty-percent-faults"]
)
def test_sigkill_at_ten_random_moments_leaves_exactly_one_flow_log_each(
    crd: Any,
    namespace: str,
    cloud: EmulatorProcess,
    operators: Callable[..., OperatorProcess],
    seed: int,
    faults: dict[str, Any] | None,
) -> None:
    rng = random.Random(seed)
    fleet = Fleet(crd, namespace, cloud, COUNT, f"kill{seed}")
    if faults:
        cloud.set_faults(faults)
    operator = operators(crd, cloud, namespace).start()
    fleet.apply_all()

    kills = 0
    for mark in kill_schedule(rng, KILLS_CREATING, 1, COUNT - 10):
        wait_for(lambda m=mark: fleet.cloud_count() >= m, 180, f"{mark} flow logs created")
        operator.kill()
        kills += 1
        operator.start()
    assert kills == KILLS_CREATING

    objects = fleet.wait_all_active(timeout=300)
    fleet.assert_exactly_one_active_flow_log_each(objects)
    calls = cloud.calls(detail=True)
    creates = calls["CreateFlowLog"]
    assert creates["outcomes"].get("OK") == COUNT, (
        f"CreateFlowLog {creates}; operator log at {operator.log_path}"
    )
    if faults:
        assert failed_calls(calls) > 0, "no fault was injected"
        assert lost_answers(calls), "no answer was lost after its action ran"

    fleet.delete_all()
    for mark in sorted(kill_schedule(rng, KILLS_DELETING, 10, COUNT - 10), reverse=True):
        wait_for(
            lambda m=mark: fleet.cloud_count(excluding_deleting=True) <= m, 180, f"{mark} flow logs left"
        )
        operator.kill()
        operator.start()
    fleet.wait_all_gone(timeout=300)
    left = [(fl["FlowLogName"], fl["Status"]) for fl in fleet.cloud_flowlogs()]
    assert left == [], f"flow logs left behind: {left}; operator log at {operator.log_path}"
    assert operator.running, operator.tail()
