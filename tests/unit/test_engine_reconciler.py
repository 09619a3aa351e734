"""The engine against an in-memory cloud: passes converge, crashes never duplicate, reads are shared."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flowlog_operator.core.observation import CloudFlowLog
from flowlog_operator.core.ports import CloudCallError, CreateRequest, FailureKind
from flowlog_operator.core.timing import Timing
from flowlog_operator.core.view import ObjectView
from flowlog_operator.engine import observer as observer_module
from flowlog_operator.engine.observer import RegionObserver
from flowlog_operator.engine.reconciler import Outcome, Reconciler
from flowlog_operator.engine.serial import OVERLAY_SECONDS, ObjectSerializer
from flowlog_operator.model.names import OWNERSHIP_TAG_KEY
from flowlog_operator.model.spec import FlowLogSpec

SPEC = FlowLogSpec.model_validate(
    {
        "regionId": "cn-hangzhou",
        "resourceType": "VPC",
        "resourceId": "vpc-1",
        "trafficType": "All",
        "projectName": "proj",
        "logStoreName": "store",
    }
)


FAST = Timing(poll=0.01)


class MemoryCloud:
    """A cloud where every transient state ends at the next read, and calls are counted."""

    def __init__(self) -> None:
        self.flow_logs: dict[str, CloudFlowLog] = {}
        self.calls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.lose_next_create_answer = False
        self.create_answers_5xx_after_creating = False
        # The emulator's (and this cloud's) refusal of a second flow log per resource; safety tests turn
        # it off so that they prove the operator's own guard.
        self.one_per_resource = True
        self.refuse_everything: CloudCallError | None = None  # e.g. revoked credentials
        self.refuse_creates: CloudCallError | None = None  # e.g. a quota
        self.slow: set[str] = set()  # flow logs whose transient state does not end yet

    def _count(self, action: str) -> None:
        self.calls[action] = self.calls.get(action, 0) + 1
        if self.refuse_everything is not None:
            raise self.refuse_everything

    def _settle(self) -> None:
        for key, fl in list(self.flow_logs.items()):
            if key in self.slow:
                continue
            if fl.status == "Activating":
                self.flow_logs[key] = replace(fl, status="Active")
            elif fl.status == "Deactivating":
                self.flow_logs[key] = replace(fl, status="Inactive")
            elif fl.status == "Deleting":
                del self.flow_logs[key]

    async def describe(
        self,
        region_id: str,
        *,
        flow_log_id: str | None = None,
        resource_id: str | None = None,
        tag: tuple[str, str] | None = None,
    ) -> list[CloudFlowLog]:
        self._count("DescribeFlowLogs")
        found = [
            fl
            for fl in self.flow_logs.values()
            if (flow_log_id is None or fl.flow_log_id == flow_log_id)
            and (resource_id is None or fl.resource_id == resource_id)
            and (tag is None or fl.tags.get(tag[0]) == tag[1])
        ]
        self._settle()
        return found

    async def list_region(self, region_id: str, status: str | None = None) -> list[CloudFlowLog]:
        self._count(f"ListRegion:{status}" if status else "ListRegion")
        return [fl for fl in await self.describe(region_id) if status is None or fl.status == status]

    async def create(self, request: CreateRequest) -> str:
        self._count("CreateFlowLog")
        if self.refuse_creates is not None:
            raise self.refuse_creates
        if self.one_per_resource and any(
            fl.resource_id == request.resource_id for fl in self.flow_logs.values()
        ):
            raise CloudCallError("InvalidResourceId.NotFound", "already has one", kind=FailureKind.TERMINAL)
        flow_log_id = f"fl-{next(self._ids)}"
        self.flow_logs[flow_log_id] = CloudFlowLog(
            flow_log_id=flow_log_id,
            region_id=request.region_id,
            status="Activating",
            resource_type=request.resource_type,
            resource_id=request.resource_id,
            traffic_type=request.traffic_type,
            project_name=request.project_name or "",
            log_store_name=request.log_store_name or "",
            flow_log_name=request.flow_log_name or "",
            aggregation_interval=request.aggregation_interval,
            tags=dict(request.tags),
        )
        if self.lose_next_create_answer:
            self.lose_next_create_answer = False
            raise CloudCallError("ReadTimeout", "no answer", kind=FailureKind.RETRYABLE, ambiguous=True)
        if self.create_answers_5xx_after_creating:
            self.create_answers_5xx_after_creating = False
            raise CloudCallError("InternalError", "failed", kind=FailureKind.RETRYABLE, ambiguous=True)
        return flow_log_id

    async def modify(self, region_id: str, flow_log_id: str, changes: Mapping[str, str | int]) -> None:
        self._count("ModifyFlowLogAttribute")

    async def activate(self, region_id: str, flow_log_id: str) -> None:
        self._count("ActiveFlowLog")
        self.flow_logs[flow_log_id] = replace(self.flow_logs[flow_log_id], status="Activating")

    async def deactivate(self, region_id: str, flow_log_id: str) -> None:
        self._count("DeactiveFlowLog")
        self.flow_logs[flow_log_id] = replace(self.flow_logs[flow_log_id], status="Deactivating")

    async def delete(self, region_id: str, flow_log_id: str) -> None:
        self._count("DeleteFlowLog")
        self.flow_logs[flow_log_id] = replace(self.flow_logs[flow_log_id], status="Deleting")

    async def tag(self, region_id: str, flow_log_id: str, tags: Mapping[str, str]) -> None:
        self._count("TagResources")

    async def untag(self, region_id: str, flow_log_id: str, keys: Sequence[str]) -> None:
        self._count("UnTagResources")

    async def move_resource_group(self, region_id: str, flow_log_id: str, resource_group_id: str) -> None:
        self._count("MoveResourceGroup")


def new_view(uid: str = "uid-1", resource_id: str = "vpc-1", **kw: Any) -> ObjectView:
    return ObjectView(
        uid=uid,
        namespace="ns",
        name=uid,
        generation=1,
        spec=SPEC.model_copy(update={"resource_id": resource_id}),
        **kw,
    )


async def run_to_settled(
    reconciler: Reconciler, view: ObjectView, limit: int = 20
) -> tuple[ObjectView, Outcome]:
    """Apply each outcome's status patch the way the API server would, until the object settles."""
    for _ in range(limit):
        outcome = await reconciler.reconcile(view)
        view = stored(view, outcome)
        if outcome.settled or outcome.release:
            return view, outcome
    raise AssertionError(f"not settled after {limit} passes: {view.status}")


async def test_a_new_object_is_created_once_and_settles_ready() -> None:
    cloud = MemoryCloud()
    view, _ = await run_to_settled(Reconciler(cloud, timing=FAST), new_view())
    assert cloud.calls["CreateFlowLog"] == 1
    assert view.status["cloudStatus"] == "Active"
    assert {c["type"]: c["status"] for c in view.status["conditions"]} == {"Ready": "True", "Synced": "True"}
    assert next(iter(cloud.flow_logs.values())).tags[OWNERSHIP_TAG_KEY] == "uid-1"


async def test_a_restart_after_a_lost_create_answer_adopts_instead_of_creating_again() -> None:
    cloud = MemoryCloud()
    cloud.lose_next_create_answer = True
    view, _ = await run_to_settled(Reconciler(cloud, timing=FAST), new_view())
    assert cloud.calls["CreateFlowLog"] == 1
    assert len(cloud.flow_logs) == 1
    assert view.status["flowLogId"] == "fl-1"


async def test_a_crash_between_create_and_status_write_is_recovered_by_a_new_process() -> None:
    cloud = MemoryCloud()
    first = Reconciler(cloud, timing=FAST)
    view = new_view()
    mark = await first.reconcile(view)  # persists the pending mark
    view = replace(view, status=dict(mark.status_patch))
    await first.reconcile(view)  # creates; imagine the process dies before the status write
    assert cloud.calls["CreateFlowLog"] == 1
    view, _ = await run_to_settled(Reconciler(cloud, timing=FAST), view)  # a fresh process, stale object
    assert cloud.calls["CreateFlowLog"] == 1
    assert view.status["flowLogId"] == "fl-1"


async def test_deletion_waits_out_activation_then_deletes_and_releases() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    _, outcome = await run_to_settled(reconciler, replace(view, deleting=True))
    assert outcome.release
    assert cloud.flow_logs == {}


async def test_two_hundred_objects_are_observed_with_a_handful_of_list_calls() -> None:
    cloud = MemoryCloud()
    for index in range(200):
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
    cloud.calls.clear()
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    found = await asyncio.gather(*(observer.by_id(f"fl-{i}") for i in range(1, 201)))
    assert all(fl is not None for fl in found)
    assert cloud.calls == {"ListRegion": 1, "DescribeFlowLogs": 1}


async def test_without_batching_each_object_costs_its_own_call() -> None:
    cloud = MemoryCloud()
    for index in range(20):
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
    cloud.calls.clear()
    observer = RegionObserver(cloud, "cn-hangzhou", batching=False)
    await asyncio.gather(*(observer.by_id(f"fl-{i}") for i in range(1, 21)))
    assert cloud.calls == {"DescribeFlowLogs": 20}


async def test_a_few_questions_about_a_large_region_are_asked_one_by_one() -> None:
    cloud = MemoryCloud()
    for index in range(500):
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    await observer.by_id("fl-1")  # learns the region's size (one list)
    cloud.calls.clear()
    await asyncio.gather(observer.by_id("fl-2"), observer.by_id("fl-3"))
    assert cloud.calls == {"DescribeFlowLogs": 2}


async def test_absence_in_a_region_list_is_confirmed_by_a_filtered_call() -> None:
    cloud = MemoryCloud()
    for index in range(3):
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    real_list = cloud.list_region

    async def list_missing_one(region_id: str, status: str | None = None) -> list[CloudFlowLog]:
        # A list read while the region changed: a flow log slipped between two pages.
        return [fl for fl in await real_list(region_id, status) if fl.flow_log_id != "fl-2"]

    cloud.list_region = list_missing_one  # type: ignore[method-assign]
    found = await asyncio.gather(*(observer.by_id(f"fl-{i}") for i in (1, 2, 3)))
    assert [fl.flow_log_id if fl else None for fl in found] == ["fl-1", "fl-2", "fl-3"]
    assert observer.confirmations == 1


async def test_patient_questions_spread_in_time_share_one_region_list() -> None:
    cloud = MemoryCloud()
    for index in range(120):
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.001)
    await observer.by_id("fl-1")  # learns the region's size (one list)
    cloud.calls.clear()

    async def ask_later(index: int) -> CloudFlowLog | None:
        await asyncio.sleep(index * 0.002)
        return await observer.by_id(f"fl-{index}", patience=0.5)

    found = await asyncio.gather(*(ask_later(i) for i in range(1, 101)))
    assert all(fl is not None for fl in found)
    assert cloud.calls == {"ListRegion": 1, "DescribeFlowLogs": 1}


async def test_an_urgent_pass_does_not_wait_behind_a_patient_drift_check_of_the_same_object() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    patient = asyncio.create_task(reconciler.reconcile(view, patience=3600))
    await asyncio.sleep(0)  # let the drift check take the lock and ask its question
    urgent = await asyncio.wait_for(reconciler.reconcile(view), timeout=5)
    assert urgent.settled
    assert (await patient).settled


async def fill(cloud: MemoryCloud, count: int, *, settled: bool = True) -> list[str]:
    ids = [
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"vpc-{index}", "All"))
        for index in range(count)
    ]
    if settled:
        await cloud.describe("cn-hangzhou")
    cloud.calls.clear()
    return ids


async def test_flow_logs_still_activating_are_answered_by_one_status_filtered_list() -> None:
    cloud = MemoryCloud()
    await fill(cloud, 200)
    activating = [
        await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"new-{i}", "All")) for i in range(30)
    ]
    cloud.slow.update(activating)
    cloud.calls.clear()
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    found = await asyncio.gather(*(observer.by_id(i, expect="Activating") for i in activating))
    assert [fl.status if fl else None for fl in found] == ["Activating"] * 30
    # One page of activating flow logs, not the 230-strong region and not 30 calls.
    assert cloud.calls == {"ListRegion:Activating": 1, "DescribeFlowLogs": 1}


async def test_flow_logs_that_left_activating_together_share_one_region_list() -> None:
    cloud = MemoryCloud()
    ids = await fill(cloud, 120)  # all were Activating when last seen, all are Active now
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    found = await asyncio.gather(*(observer.by_id(i, expect="Activating") for i in ids))
    assert {fl.status if fl else None for fl in found} == {"Active"}
    # The filtered list shows none of them any more; one region list reads all their records.
    assert cloud.calls == {"ListRegion:Activating": 1, "ListRegion": 1, "DescribeFlowLogs": 2}


async def three_activating_in_a_region_of_four_pages() -> tuple[
    MemoryCloud, list[str], RegionObserver, list[str]
]:
    """200 settled flow logs (the observer knows the region's size) and 3 that stay Activating."""
    cloud = MemoryCloud()
    ids = await fill(cloud, 200)
    observer = RegionObserver(cloud, "cn-hangzhou", window=0.01)
    await observer.by_id(ids[0])  # learns the region's size: four pages
    still = [await cloud.create(CreateRequest("cn-hangzhou", "VPC", f"new-{i}", "All")) for i in range(3)]
    cloud.slow.update(still)
    return cloud, ids, observer, still


async def test_one_that_left_while_others_activate_waits_a_little_for_a_shared_read(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(observer_module, "SETTLED_PATIENCE", 0.3)
    cloud, ids, observer, still = await three_activating_in_a_region_of_four_pages()
    cloud.calls.clear()
    loop = asyncio.get_running_loop()
    started = loop.time()
    left = asyncio.create_task(observer.by_id(ids[1], expect="Activating"))
    answers = await asyncio.gather(*(observer.by_id(i, expect="Activating") for i in still))
    assert [fl.status if fl else None for fl in answers] == ["Activating"] * 3
    assert not left.done()  # fewer than a region list's pages: it waits for company
    record = await left
    assert record is not None
    assert record.status == "Active"
    assert loop.time() - started >= 0.3
    assert cloud.calls == {"ListRegion:Activating": 1, "DescribeFlowLogs": 2}


async def test_a_pass_waiting_out_activation_joins_the_next_shared_read() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=Timing(poll=0.2))
    views = [new_view(f"uid-{i}", f"vpc-{i}") for i in range(10)]
    for _ in range(2):  # the pending mark, then the create
        outcomes = await asyncio.gather(*(reconciler.reconcile(v) for v in views))
        views = [
            replace(v, status={**v.status, **o.status_patch}) for v, o in zip(views, outcomes, strict=True)
        ]
    assert all(v.status["cloudStatus"] == "Activating" for v in views)
    # Come back at once: the wait happens inside the next pass, in the shared read.
    assert {o.requeue_after for o in outcomes} == {0.0}
    cloud.calls.clear()
    cloud.slow.update(v.status["flowLogId"] for v in views)
    outcomes = await asyncio.gather(*(reconciler.reconcile(v) for v in views))
    assert cloud.calls == {"ListRegion:Activating": 1, "DescribeFlowLogs": 1}
    assert {o.requeue_after for o in outcomes} == {0.0}


async def test_the_drift_sweep_lists_the_region_once_and_wakes_only_the_drifted() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    views = [new_view(f"uid-{i}", f"vpc-{i}") for i in range(120)]
    settled = [view for view, _ in await asyncio.gather(*(run_to_settled(reconciler, v) for v in views))]
    drifted = settled[7].status["flowLogId"]
    cloud.flow_logs[drifted] = replace(cloud.flow_logs[drifted], status="Inactive")  # stopped by hand
    gone = settled[9].status["flowLogId"]
    del cloud.flow_logs[gone]
    woken = {view.uid: reconciler.drift.watch(view.uid, lambda view=view: view) for view in settled}
    cloud.calls.clear()
    assert await reconciler.drift.sweep() == 2
    assert cloud.calls == {"ListRegion": 1, "DescribeFlowLogs": 1}
    assert {uid for uid, event in woken.items() if event.is_set()} == {"uid-7", "uid-9"}
    await reconciler.aclose()


async def test_the_sweep_skips_objects_something_else_is_handling() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    del cloud.flow_logs[view.status["flowLogId"]]
    busy = reconciler.drift.watch("uid-1", lambda: None)
    assert await reconciler.drift.sweep() == 0
    assert not busy.is_set()
    await reconciler.aclose()


async def test_without_batching_the_sweep_wakes_every_object_without_a_call() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST, batching=False)
    views = [new_view(f"uid-{i}", f"vpc-{i}") for i in range(5)]
    settled = [view for view, _ in await asyncio.gather(*(run_to_settled(reconciler, v) for v in views))]
    woken = [reconciler.drift.watch(view.uid, lambda view=view: view) for view in settled]
    cloud.calls.clear()
    assert await reconciler.drift.sweep() == 5
    assert cloud.calls == {}
    assert all(event.is_set() for event in woken)
    await reconciler.aclose()


async def test_a_waiting_read_is_served_at_once_when_someone_asks_for_it_now(monkeypatch: Any) -> None:
    monkeypatch.setattr(observer_module, "SETTLED_PATIENCE", 3600.0)
    _cloud, ids, observer, still = await three_activating_in_a_region_of_four_pages()
    left = asyncio.create_task(observer.by_id(ids[1], expect="Activating"))
    await asyncio.gather(*(observer.by_id(i, expect="Activating") for i in still))
    assert not left.done()
    now = await asyncio.wait_for(observer.by_id(ids[1]), timeout=5)
    assert now is not None
    assert (await asyncio.wait_for(left, timeout=5)) == now


async def test_enough_flow_logs_leaving_together_are_read_at_once_by_a_region_list(monkeypatch: Any) -> None:
    monkeypatch.setattr(observer_module, "SETTLED_PATIENCE", 3600.0)
    cloud, ids, observer, still = await three_activating_in_a_region_of_four_pages()
    cloud.calls.clear()
    left = ids[1 : 1 + observer_module.AMORTISED * 4]  # as many as the list's pages, four times over
    found = await asyncio.wait_for(
        asyncio.gather(*(observer.by_id(i, expect="Activating") for i in [*left, *still])), timeout=5
    )
    assert [fl.status if fl else None for fl in found] == ["Active"] * len(left) + ["Activating"] * 3
    assert cloud.calls == {"ListRegion:Activating": 1, "ListRegion": 1, "DescribeFlowLogs": 2}


async def test_the_sweep_never_wakes_an_object_that_has_no_flow_log_yet() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    await fill(cloud, 3)
    new = new_view("uid-new", "vpc-new")  # its change loop has not started: nothing to compare
    woken = reconciler.drift.watch("uid-new", lambda: new)
    assert await reconciler.drift.sweep() == 0
    assert not woken.is_set()
    await reconciler.aclose()


def test_a_remembered_write_is_laid_over_a_lagging_body_but_not_for_ever() -> None:
    now = [0.0]
    serial = ObjectSerializer(clock=lambda: now[0])
    body = new_view(status={"cloudStatus": "Activating"})
    serial.remember("uid-1", {"cloudStatus": "Active"})
    assert serial.overlay(body).status["cloudStatus"] == "Active"  # the write has not landed yet
    now[0] = OVERLAY_SECONDS + 1
    # Never landed (or overtaken by an older write): the API server's status is what is true now.
    assert serial.overlay(body).status["cloudStatus"] == "Activating"


def test_a_remembered_write_is_forgotten_once_the_body_shows_it() -> None:
    serial = ObjectSerializer()
    serial.remember("uid-1", {"cloudStatus": "Active", "pendingCreate": None})
    assert serial.overlay(new_view(status={"cloudStatus": "Active"})).status == {"cloudStatus": "Active"}
    assert (
        serial.overlay(new_view(status={"cloudStatus": "Activating"})).status["cloudStatus"] == "Activating"
    )


def stored(view: ObjectView, outcome: Outcome) -> ObjectView:
    """``view`` as the API server holds it once ``outcome``'s status patch is written."""
    status = dict(view.status)
    for key, value in outcome.status_patch.items():
        if value is None:
            status.pop(key, None)
        else:
            status[key] = value
    return replace(view, status=status)


async def test_no_create_while_the_pending_mark_is_not_stored_by_the_api_server() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    mark = await reconciler.reconcile(view)
    assert "pendingCreate" in mark.status_patch
    # The status write of the mark failed: kopf calls again with the body the API server holds.
    for _ in range(3):
        again = await reconciler.reconcile(view)
        assert cloud.calls.get("CreateFlowLog", 0) == 0
        assert "pendingCreate" in again.status_patch, "the mark is written again"
    # Once the API server holds the mark, the create goes ahead, exactly once.
    view, _ = await run_to_settled(reconciler, stored(view, again))
    assert cloud.calls["CreateFlowLog"] == 1
    assert len(cloud.flow_logs) == 1


async def test_a_server_error_after_an_executed_create_leads_to_a_lookup_not_a_second_create() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    cloud.create_answers_5xx_after_creating = True
    view, _ = await run_to_settled(Reconciler(cloud, timing=FAST), new_view())
    assert cloud.calls["CreateFlowLog"] == 1
    assert len(cloud.flow_logs) == 1
    assert view.status["flowLogId"] == "fl-1"


async def test_a_restart_after_an_unstored_mark_and_a_lost_answer_creates_no_duplicate() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    cloud.lose_next_create_answer = True
    view = new_view()
    first = Reconciler(cloud, timing=FAST)
    view = stored(view, await first.reconcile(view))  # the mark is stored
    await first.reconcile(view)  # the create runs, its answer is lost; the process dies
    view, _ = await run_to_settled(Reconciler(cloud, timing=FAST), view)
    assert cloud.calls["CreateFlowLog"] == 1
    assert len(cloud.flow_logs) == 1


async def test_a_recreate_after_a_false_missing_read_looks_up_by_tag_before_creating() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    # A read that lags says the flow log is gone, but it is there, with our ownership tag.
    recorded = view.status["flowLogId"]
    view = replace(view, status={**view.status, "flowLogId": "fl-gone"})
    view, _ = await run_to_settled(reconciler, view)
    assert cloud.calls["CreateFlowLog"] == 1
    assert view.status["flowLogId"] == recorded


REVOKED = CloudCallError("Forbidden.RAM", "not authorized", kind=FailureKind.TERMINAL)


async def test_a_deletion_with_nothing_ever_created_releases_without_a_cloud_call() -> None:
    cloud = MemoryCloud()
    cloud.refuse_everything = REVOKED
    outcome = await Reconciler(cloud, timing=FAST).reconcile(new_view(deleting=True))
    assert outcome.release
    assert cloud.calls == {}


async def test_retain_releases_a_recorded_flow_log_without_a_cloud_call() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    cloud.refuse_everything, cloud.calls = REVOKED, {}
    retained = replace(view, spec=view.spec.model_copy(update={"deletion_policy": "Retain"}), deleting=True)
    outcome = await reconciler.reconcile(retained)
    assert outcome.release
    assert cloud.calls == {}
    assert len(cloud.flow_logs) == 1


async def test_a_refused_create_leaves_nothing_to_look_for_so_the_deletion_releases_at_once() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    view = stored(view, await reconciler.reconcile(view))  # the mark
    cloud.refuse_creates = REVOKED
    refused = await reconciler.reconcile(view)
    assert cloud.calls["CreateFlowLog"] == 1
    assert refused.status_patch["pendingCreate"] is None
    view = stored(view, refused)
    cloud.calls, cloud.refuse_everything = {}, REVOKED
    outcome = await reconciler.reconcile(replace(view, deleting=True))
    assert outcome.release
    assert cloud.calls == {}


async def test_a_refused_create_after_one_without_an_answer_keeps_the_mark() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    cloud.lose_next_create_answer = True
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    view = stored(view, await reconciler.reconcile(view))
    view = stored(view, await reconciler.reconcile(view))  # created, answer lost
    assert view.status["pendingCreate"]["outcomeUnknown"] is True
    # The lookup finds nothing (a tag index that lags), and the create after it is refused.
    cloud.flow_logs["fl-1"] = replace(cloud.flow_logs["fl-1"], tags={})
    cloud.refuse_creates = REVOKED
    view = stored(view, await reconciler.reconcile(view))
    assert cloud.calls["CreateFlowLog"] == 2
    assert view.status["pendingCreate"]["outcomeUnknown"] is True, "the earlier create is still open"
    cloud.refuse_creates = None
    cloud.flow_logs["fl-1"] = replace(cloud.flow_logs["fl-1"], tags={OWNERSHIP_TAG_KEY: view.uid})
    view, _ = await run_to_settled(reconciler, view)
    assert cloud.calls["CreateFlowLog"] == 2
    assert len(cloud.flow_logs) == 1


async def test_a_deletion_the_cloud_refuses_backs_off_long_and_names_the_way_out() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    cloud.refuse_everything = REVOKED
    outcome = await reconciler.reconcile(replace(view, deleting=True))
    assert not outcome.release
    assert outcome.requeue_after == FAST.terminal_after(1)
    ready = next(c for c in outcome.status_patch["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    assert ready["reason"] == "Forbidden.RAM"
    assert "spec.deletionPolicy to Retain" in ready["message"]
    assert any("deletionPolicy" in event.message for event in outcome.events)


async def test_a_duplicate_carrying_our_tag_is_found_by_the_sweep_and_deleted_with_an_event() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    recorded = view.status["flowLogId"]
    duplicate = replace(cloud.flow_logs[recorded], flow_log_id="fl-dup", status="Active")
    cloud.flow_logs["fl-dup"] = duplicate  # a create whose answer never arrived
    woken = reconciler.drift.watch(view.uid, lambda: view)
    assert await reconciler.drift.sweep() == 1
    assert woken.is_set()
    outcome = await reconciler.reconcile(view)
    assert cloud.calls["DeleteFlowLog"] == 1
    assert [event.reason for event in outcome.events] == ["DuplicateDeleted"]
    view, _ = await run_to_settled(reconciler, stored(view, outcome))
    assert list(cloud.flow_logs) == [recorded]
    assert view.status["flowLogId"] == recorded
    await reconciler.aclose()


async def test_failed_creates_keep_counting_across_the_mark_written_before_each() -> None:
    cloud = MemoryCloud()
    cloud.refuse_creates = REVOKED
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    delays = []
    for _ in range(6):
        outcome = await reconciler.reconcile(view)
        view = stored(view, outcome)
        if outcome.status_patch.get("failures"):
            delays.append(outcome.requeue_after)
    assert view.status["failures"] == 3
    assert delays == [FAST.terminal_after(1), FAST.terminal_after(2), FAST.terminal_after(3)]


async def test_a_create_refused_until_its_back_off_reaches_the_resync_period_is_still_retried() -> None:
    cloud = MemoryCloud()
    cloud.refuse_creates = REVOKED
    timing = Timing(poll=0.01, terminal=300.0, terminal_max=600.0, resync=600.0)
    reconciler = Reconciler(cloud, timing=timing)
    view = new_view()
    for _ in range(8):
        outcome = await reconciler.reconcile(view)
        view = stored(view, outcome)
        assert not outcome.settled, f"settled with failures={view.status.get('failures')}"
    assert outcome.requeue_after == 600.0


async def test_a_lost_status_write_of_the_new_flow_log_id_is_written_again() -> None:
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    view = stored(view, await reconciler.reconcile(view))  # the mark
    created = await reconciler.reconcile(view)
    assert created.status_patch["flowLogId"] == "fl-1"
    # That write failed: the API server still shows the mark and no ID.
    again = await reconciler.reconcile(view)
    assert again.status_patch.get("flowLogId") == "fl-1"
    assert not again.settled
    view, _ = await run_to_settled(reconciler, stored(view, again))
    assert view.status["flowLogId"] == "fl-1"
    assert cloud.calls["CreateFlowLog"] == 1


async def test_a_deletion_looks_at_the_cloud_when_the_body_still_shows_a_flow_log_this_process_dropped() -> (
    None
):
    cloud = MemoryCloud()
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    recorded = view.status["flowLogId"]
    # A read that lags made a pass write flowLogId None and a fresh mark; the delete body is older.
    reconciler._serial.remember(view.uid, {"flowLogId": None, "pendingCreate": None})
    outcome = await reconciler.reconcile(replace(view, deleting=True))
    assert not outcome.release or recorded not in cloud.flow_logs
    assert cloud.calls.get("DeleteFlowLog", 0) == 1


async def test_when_the_recorded_flow_log_is_missing_a_tagged_one_is_adopted_not_deleted() -> None:
    cloud = MemoryCloud()
    cloud.one_per_resource = False
    reconciler = Reconciler(cloud, timing=FAST)
    view, _ = await run_to_settled(reconciler, new_view())
    recorded = view.status["flowLogId"]
    cloud.flow_logs["fl-dup"] = replace(cloud.flow_logs.pop(recorded), flow_log_id="fl-dup")
    reconciler._duplicates_suspected.add(view.uid)
    view, _ = await run_to_settled(reconciler, view)
    assert view.status["flowLogId"] == "fl-dup"
    assert cloud.calls.get("DeleteFlowLog", 0) == 0
    assert cloud.calls["CreateFlowLog"] == 1


async def test_a_lookup_that_fails_before_the_first_create_takes_the_mark_back() -> None:
    cloud = MemoryCloud()
    cloud.refuse_everything = REVOKED
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    view = stored(view, await reconciler.reconcile(view))  # the mark, no cloud call
    failed = await reconciler.reconcile(view)  # the lookup before the create fails
    assert "CreateFlowLog" not in cloud.calls
    assert failed.status_patch["pendingCreate"] is None
    ready = next(c for c in failed.status_patch["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "Forbidden.RAM")
    view = stored(view, failed)
    cloud.calls = {}
    outcome = await reconciler.reconcile(replace(view, deleting=True))
    assert outcome.release
    assert cloud.calls == {}


async def test_a_lookup_that_fails_after_a_create_was_sent_keeps_the_mark() -> None:
    cloud = MemoryCloud()
    cloud.lose_next_create_answer = True
    reconciler = Reconciler(cloud, timing=FAST)
    view = new_view()
    view = stored(view, await reconciler.reconcile(view))
    view = stored(view, await reconciler.reconcile(view))  # created, answer lost
    cloud.refuse_everything = REVOKED
    failed = await reconciler.reconcile(view)
    assert "pendingCreate" not in failed.status_patch
