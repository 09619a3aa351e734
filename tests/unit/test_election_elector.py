"""The elector against an in-memory Lease API served over httpx (409 on a stale resourceVersion).

The first tests drive single attempts with a hand-moved clock; the loop tests (``keep``) run on the
real clock with sub-second timings, awaited with deadlines.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flowlog_operator.core.leadership import LeaseTimings
from flowlog_operator.election.elector import LeaderElector
from flowlog_operator.election.lease_api import LeaseApi, LeaseApiError, format_time, parse_time

NAMESPACE, NAME = "flowlog-system", "flowlog-operator"
PATH = f"/apis/coordination.k8s.io/v1/namespaces/{NAMESPACE}/leases"
TIMINGS = LeaseTimings(lease_seconds=15, renew_deadline=10, retry=2)
FAST = LeaseTimings(lease_seconds=1, renew_deadline=0.4, retry=0.05)


class FakeApiServer:
    """One Lease with resourceVersion semantics; ``outage`` makes every request fail or hang."""

    def __init__(self) -> None:
        self.lease: dict[str, Any] | None = None
        self.version = 0
        self.requests: list[tuple[str, str]] = []
        self.outage: str = ""  # "", "refused", "forbidden", "hang", "no-namespace"
        self.interleave = False  # yield to other tasks inside each request
        self.wrote = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.headers.get("authorization", "")))
        if self.interleave:
            await asyncio.sleep(0)
        if self.outage == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if self.outage == "hang":
            await asyncio.Event().wait()
        if self.outage == "no-namespace" and request.method == "POST":
            return self._status(404, 'namespaces "flowlog-system" not found')
        if self.outage == "forbidden":
            message = 'leases.coordination.k8s.io "flowlog-operator" is forbidden: cannot update'
            return httpx.Response(403, json={"kind": "Status", "message": message})
        if request.method == "GET":
            return httpx.Response(200, json=self.lease) if self.lease else self._status(404, "not found")
        body = json.loads(request.content)
        if request.method == "POST":
            if self.lease is not None:
                return self._status(409, "already exists")
            return self._store(body, 201)
        if self.lease is None:
            return self._status(404, "not found")
        if body["metadata"].get("resourceVersion") != self.lease["metadata"]["resourceVersion"]:
            return self._status(409, "the object has been modified")
        return self._store(body, 200)

    def _store(self, body: dict[str, Any], status: int) -> httpx.Response:
        self.version += 1
        body["metadata"]["resourceVersion"] = str(self.version)
        self.lease = body
        self.wrote.set()
        return httpx.Response(status, json=body)

    @staticmethod
    def _status(code: int, message: str) -> httpx.Response:
        return httpx.Response(code, json={"kind": "Status", "message": message})

    def take_over(self, holder: str) -> None:
        """Another process writes the Lease behind our back."""
        assert self.lease is not None
        self.version += 1
        self.lease["spec"]["holderIdentity"] = holder
        self.lease["metadata"]["resourceVersion"] = str(self.version)

    @property
    def holder(self) -> str:
        return str((self.lease or {}).get("spec", {}).get("holderIdentity", ""))

    def writes(self) -> int:
        return sum(1 for method, _ in self.requests if method in {"POST", "PUT"})

    async def wait_for_writes(self, count: int) -> None:
        while self.writes() < count:
            self.wrote.clear()
            await self.wrote.wait()


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> FakeApiServer:
    return FakeApiServer()


@contextmanager
def no_exception_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.DEBUG):
        yield
    assert not [r for r in caplog.records if r.exc_info], "an exception escaped into the log"


MakeElector = Callable[..., LeaderElector]


@pytest.fixture
async def elector(server: FakeApiServer) -> AsyncIterator[MakeElector]:
    clients: list[httpx.AsyncClient] = []

    def make(
        identity: str,
        timings: LeaseTimings = TIMINGS,
        clock: Callable[[], float] | None = None,
        headers: Callable[[], dict[str, str]] | None = None,
    ) -> LeaderElector:
        client = httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(server))
        clients.append(client)
        api = LeaseApi(client, namespace=NAMESPACE, name=NAME, headers=headers or dict)
        options: dict[str, Any] = {"clock": clock} if clock else {}
        return LeaderElector(api, identity, timings, **options)

    yield make
    for client in clients:
        await client.aclose()


async def test_the_first_candidate_creates_the_lease_and_the_second_stands_by(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    first, second = elector("a_1", clock=clock), elector("b_2", clock=clock)
    assert await first.try_once()
    assert first.leading_now()
    assert server.holder == "a_1"
    assert server.lease is not None
    assert server.lease["spec"]["leaseDurationSeconds"] == 15
    assert not await second.try_once()
    assert second.holder == "a_1"
    assert not second.leading_now()


async def test_a_standby_takes_over_only_after_a_full_lease_without_renewal_by_its_clock(
    server: FakeApiServer, elector: MakeElector
) -> None:
    leader_clock, standby_clock = Clock(), Clock()
    standby_clock.now = 9000.0  # another machine's monotonic clock: only differences matter
    leader, standby = elector("a_1", clock=leader_clock), elector("b_2", clock=standby_clock)
    assert await leader.try_once()
    assert not await standby.try_once()
    standby_clock.now += 14.9
    assert not await standby.try_once()
    standby_clock.now += 0.1
    assert await standby.try_once()
    assert server.holder == "b_2"
    assert server.lease is not None
    assert server.lease["spec"]["leaseTransitions"] == 1
    # The old leader finds out at its next renewal: its write is refused, then it reads the new holder.
    leader_clock.now += 2
    assert not await leader.try_once()
    assert not await leader.try_once()
    assert leader.holder == "b_2"
    assert not leader.leading_now()


async def test_a_renewal_resets_the_standbys_count(server: FakeApiServer, elector: MakeElector) -> None:
    clock = Clock()
    leader, standby = elector("a_1", clock=clock), elector("b_2", clock=clock)
    assert await leader.try_once()
    assert not await standby.try_once()
    clock.now += 9
    assert await leader.try_once()
    clock.now += 1
    assert not await standby.try_once()  # sees the renewal now: counts 15 s from here
    clock.now += 14
    assert not await standby.try_once()
    clock.now += 1
    assert await standby.try_once()


async def test_of_two_candidates_racing_for_an_expired_lease_only_one_wins(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    old = elector("old_0", clock=clock)
    assert await old.try_once()
    first, second = elector("a_1", clock=clock), elector("b_2", clock=clock)
    assert not await first.try_once()
    assert not await second.try_once()
    clock.now += 15
    server.interleave = True  # both read the same version before either writes
    results = await asyncio.gather(first.try_once(), second.try_once())
    assert sorted(results) == [False, True]
    winner = first if results[0] else second
    assert server.holder == winner.identity
    assert [e.leading_now() for e in (first, second)] == list(results)


async def test_a_leader_renews_with_one_conditional_write_and_keeps_its_acquire_time(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    leader = elector("a_1", clock=clock)
    assert await leader.try_once()
    assert server.lease is not None
    acquired = server.lease["spec"]["acquireTime"]
    before = len(server.requests)
    clock.now += 2
    assert await leader.try_once()
    assert [method for method, _ in server.requests[before:]] == ["PUT"]
    assert server.lease["spec"]["acquireTime"] == acquired
    assert server.lease["spec"]["renewTime"] != acquired


async def test_a_leader_stops_acting_at_the_renew_deadline_by_its_own_clock(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    leader = elector("a_1", clock=clock)
    assert await leader.try_once()
    server.outage = "refused"
    clock.now += 9.99
    assert leader.leading_now()
    with pytest.raises(LeaseApiError, match="ConnectError"):
        await leader.try_once()
    clock.now += 0.01
    assert not leader.leading_now()


async def test_a_leader_past_its_renew_deadline_writes_no_late_renewal(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    leader = elector("a_1", clock=clock)
    assert await leader.try_once()
    writes = server.writes()
    clock.now += 10  # frozen (a stopped process, a paused VM) through the whole renew deadline
    assert not await leader.try_once()
    assert server.writes() == writes, "a late renewal would keep a stopping leader's lease alive"
    assert not leader.leading_now()


async def test_release_leaves_no_holder_and_the_standby_takes_it_at_once(
    server: FakeApiServer, elector: MakeElector
) -> None:
    clock = Clock()
    leader, standby = elector("a_1", clock=clock), elector("b_2", clock=clock)
    assert await leader.try_once()
    assert not await standby.try_once()
    assert await leader.release()
    assert not leader.leading_now()
    assert server.holder == ""
    assert server.lease is not None
    assert server.lease["spec"]["leaseDurationSeconds"] == 1
    assert await standby.try_once()
    assert not await leader.release(), "a lease that is not ours any more is never released"
    assert server.holder == "b_2"


async def test_credentials_are_asked_for_on_every_request(
    server: FakeApiServer, elector: MakeElector
) -> None:
    tokens = iter(["Bearer one", "Bearer two", "Bearer three"])
    leader = elector("a_1", headers=lambda: {"Authorization": next(tokens)})
    assert await leader.try_once()  # GET, POST
    assert await leader.try_once()  # PUT
    assert [auth for _, auth in server.requests] == ["Bearer one", "Bearer two", "Bearer three"]


async def test_a_refusal_names_the_api_servers_reason(server: FakeApiServer, elector: MakeElector) -> None:
    server.outage = "forbidden"
    with pytest.raises(LeaseApiError, match=r"HTTP 403 .*is forbidden"):
        await elector("a_1").try_once()


async def test_a_lease_that_cannot_be_created_is_an_error_not_a_lease(
    server: FakeApiServer, elector: MakeElector
) -> None:
    server.outage = "no-namespace"
    candidate = elector("a_1")
    with pytest.raises(LeaseApiError, match=r"HTTP 404 namespaces \"flowlog-system\" not found"):
        await candidate.try_once()
    assert not candidate.leading_now()


# ------------------------------------------------------------------------------------ loops


async def within(seconds: float, awaitable: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(awaitable, seconds)


async def test_keep_renews_every_retry_period_while_the_api_server_answers(
    server: FakeApiServer, elector: MakeElector
) -> None:
    leader = elector("a_1", FAST)
    await within(5, leader.campaign())
    keeping = asyncio.create_task(leader.keep())
    await within(5, server.wait_for_writes(6))
    assert not keeping.done()
    assert leader.leading_now()
    keeping.cancel()


@pytest.mark.parametrize("outage", ["refused", "hang", "forbidden"])
async def test_keep_gives_up_at_the_renew_deadline_before_the_lease_could_pass(
    server: FakeApiServer, elector: MakeElector, outage: str, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.get_running_loop()
    leader = elector("a_1", FAST)
    await within(5, leader.campaign())
    renewed = loop.time()
    server.outage = outage
    with no_exception_logged(caplog):
        reason = await within(5, leader.keep())
    ended = loop.time()
    assert "renew deadline" in reason
    assert not leader.leading_now()
    # Stopped at the deadline (10 s by default), well before the lease (15 s) could pass to another.
    assert FAST.renew_deadline - FAST.retry <= ended - renewed < FAST.lease_seconds
    if outage == "forbidden":
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len([w for w in warnings if "forbidden" in w]) == 1, "a repeated reason is logged once"


async def test_keep_ends_as_soon_as_another_process_holds_the_lease(
    server: FakeApiServer, elector: MakeElector
) -> None:
    leader = elector("a_1", FAST)
    await within(5, leader.campaign())
    keeping = asyncio.create_task(leader.keep())
    server.take_over("intruder_9")
    reason = await within(FAST.renew_deadline, keeping)
    assert reason.endswith("is held by intruder_9")
    assert not leader.leading_now()


async def test_campaign_waits_for_the_holders_lease_to_run_out(
    server: FakeApiServer, elector: MakeElector
) -> None:
    holder, candidate = elector("a_1", FAST), elector("b_2", FAST)
    await within(5, holder.campaign())
    started = asyncio.get_running_loop().time()
    await within(5, candidate.campaign())
    assert asyncio.get_running_loop().time() - started >= FAST.lease_seconds
    assert server.holder == "b_2"


def test_lease_times_are_written_as_the_api_server_writes_micro_times() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    assert format_time(moment) == "2026-03-04T05:06:07.000890Z"
    assert parse_time("2026-03-04T05:06:07.000890Z") == moment
    assert parse_time("not a time") is None
