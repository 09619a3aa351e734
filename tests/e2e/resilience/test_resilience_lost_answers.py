"""Answers lost, and writes refused, between the API server and the operator: nothing unhandled, no duplicate.

When an API server restarts right after committing kopf's finalizer patch, kopf never sees the answer,
retries the patch against a resourceVersion that is gone (422), and keeps it as a "remaining patch".
The next event of the object then runs no handler and writes nothing, so no further event follows:
the object would wait for ever with our finalizer and no status. A proxy between the operator and the
real API server reproduces exactly that for every object; the operator's stall watch must bring each
of them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from resilience_fleet import Fleet

from support.apiproxy import LosingProxy, StatusWriteRefusal, first_json_patch_of_each
from support.controlplane import wait_for
from support.emulator import EmulatorProcess
from support.operator import OperatorProcess

COUNT = 5


@pytest.fixture
def losing_proxy(crd: Any) -> Iterator[LosingProxy]:
    with LosingProxy(crd.kubeconfig, first_json_patch_of_each("flowlogs")) as proxy:
        yield proxy


def test_lost_answer_to_the_finalizer_patch_leaves_no_object_unhandled(
    crd: Any,
    namespace: str,
    cloud: EmulatorProcess,
    operators: Callable[..., OperatorProcess],
    losing_proxy: LosingProxy,
) -> None:
    fleet = Fleet(crd, namespace, cloud, COUNT, "lost")
    operator = operators(crd, cloud, namespace)
    operator.kubeconfig = losing_proxy.kubeconfig
    operator.start()
    fleet.apply_all()

    objects = fleet.wait_all_active(timeout=120)

    lost = losing_proxy.lost_answers()
    assert len(lost) == COUNT, lost  # every object went through the lost answer
    fleet.assert_exactly_one_active_flow_log_each(objects)
    metrics = operator.metrics().splitlines()
    wakeups = [float(line.split()[-1]) for line in metrics if line.startswith("flowlog_stall_wakeups_total")]
    assert wakeups, "no stall wake-up counter"
    assert wakeups[0] >= 1, "the objects came back without the stall watch"
    assert operator.running, operator.tail()


def test_no_create_while_the_api_server_refuses_to_store_the_pending_mark(
    crd: Any,
    namespace: str,
    cloud: EmulatorProcess,
    operators: Callable[..., OperatorProcess],
) -> None:
    refusal = StatusWriteRefusal("pendingCreate")
    with LosingProxy(crd.kubeconfig, refusal) as proxy:
        fleet = Fleet(crd, namespace, cloud, 2, "unmarked")
        operator = operators(crd, cloud, namespace)
        operator.kubeconfig = proxy.kubeconfig
        operator.start()
        fleet.apply_all()

        # Each object's mark is refused, and written again when the object is next handled.
        def refused_again_or_created() -> bool:
            return refusal.refused >= 2 * fleet.count + 1 or "CreateFlowLog" in cloud.calls()

        wait_for(refused_again_or_created, 90, "the marks refused more than once")
        assert "CreateFlowLog" not in cloud.calls(), "a create was sent without a stored mark"

        refusal.active = False
        objects = fleet.wait_all_active(timeout=120)
        fleet.assert_exactly_one_active_flow_log_each(objects)
        assert cloud.calls()["CreateFlowLog"] == fleet.count
