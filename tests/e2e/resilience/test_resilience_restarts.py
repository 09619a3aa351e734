"""The world restarts under the operator: the API server with etcd, and the emulator with its state file.

A restart happens at a seeded progress mark (so many flow logs created, so many left while deleting);
the operator keeps running through it and converges: one Active flow log per object, none left after
deletion, no second CreateFlowLog for any object.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from resilience_fleet import Fleet, kill_schedule

from support.controlplane import ControlPlane, ControlPlaneError, wait_for
from support.emulator import EmulatorProcess
from support.flowlogs import install_crd
from support.operator import OperatorProcess

COUNT = 100


@pytest.fixture
def own_control_plane(control_plane: Any) -> Iterator[ControlPlane]:
    """A control plane of this test alone: restarting the session one would disturb other tests."""
    if not isinstance(control_plane, ControlPlane):
        pytest.skip("restarting the API server needs a control plane started by the tests")
    try:
        plane = ControlPlane(controller_manager=False).start()
    except ControlPlaneError as error:
        pytest.fail(f"control plane unavailable: {error}", pytrace=False)
    try:
        install_crd(plane)
        plane.kubectl("create", "namespace", "resilience")
        yield plane
    finally:
        plane.stop()


def test_api_server_and_etcd_restart_mid_run_operator_reconnects_and_converges(
    own_control_plane: ControlPlane,
    cloud: EmulatorProcess,
    operators: Callable[..., OperatorProcess],
) -> None:
    rng = random.Random(3)
    plane = own_control_plane
    fleet = Fleet(plane, "resilience", cloud, COUNT, "cp")
    operator = operators(plane, cloud, "resilience").start()
    fleet.apply_all()

    created_mark, deleting_mark = rng.randrange(20, 60), rng.randrange(20, 80)
    wait_for(lambda: fleet.cloud_count() >= created_mark, 180, f"{created_mark} flow logs created")
    plane.restart_apiserver_and_etcd()
    objects = fleet.wait_all_active(timeout=240)
    fleet.assert_exactly_one_active_flow_log_each(objects)
    assert cloud.calls(detail=True)["CreateFlowLog"]["outcomes"].get("OK") == COUNT

    fleet.delete_all()
    wait_for(
        lambda: fleet.cloud_count(excluding_deleting=True) <= deleting_mark,
        180,
        f"{deleting_mark} flow logs left",
    )
    plane.restart_apiserver_and_etcd()
    fleet.wait_all_gone(timeout=240)
    assert fleet.cloud_flowlogs() == []
    assert operator.running, operator.tail()


def test_emulator_restart_with_persisted_state_loses_and_duplicates_nothing(
    crd: Any,
    namespace: str,
    cloud: EmulatorProcess,
    operators: Callable[..., OperatorProcess],
) -> None:
    rng = random.Random(4)
    fleet = Fleet(crd, namespace, cloud, COUNT, "emu")
    operator = operators(crd, cloud, namespace).start()
    fleet.apply_all()

    for mark in kill_schedule(rng, 2, 10, COUNT - 10):
        wait_for(lambda m=mark: fleet.cloud_count() >= m, 180, f"{mark} flow logs created")
        before = {fl["FlowLogId"] for fl in fleet.cloud_flowlogs()}
        cloud.restart()
        after = {fl["FlowLogId"] for fl in fleet.cloud_flowlogs()}
        assert before <= after, "the emulator lost flow logs across its restart"
    objects = fleet.wait_all_active(timeout=240)
    fleet.assert_exactly_one_active_flow_log_each(objects)

    fleet.delete_all()
    mark = rng.randrange(10, COUNT - 10)
    wait_for(lambda: fleet.cloud_count(excluding_deleting=True) <= mark, 180, f"{mark} flow logs left")
    cloud.restart()
    fleet.wait_all_gone(timeout=240)
    assert fleet.cloud_flowlogs() == []
    assert operator.running, operator.tail()
