"""The client over a mock transport: wire shape, paging, retries, CreateFlowLog ambiguity, concurrency."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

from flowlog_operator.cloud import (
    AmbiguousResultError,
    CloudSettings,
    CloudTransportError,
    CreateFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    FlowLogClient,
    FlowLogNotFound,
    ListTagResourcesRequest,
    OpenFlowLogServiceRequest,
    RateLimiter,
    ResourceAlreadyHasFlowLog,
    RetryableCloudError,
    RetryBudget,
    RetryPolicy,
    StaticCredentialsProvider,
    TerminalCloudError,
    ThrottledError,
)
from flowlog_operator.cloud.signing import EMPTY_BODY_SHA256

Answer = httpx.Response | Exception
Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"RequestId": "RID-OK", **body})


def fail(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"RequestId": "RID-ERR", "HostId": "vpc.aliyuncs.com", "Code": code, "Message": f"{code} message"}
    return httpx.Response(status, json=body, headers=headers)


class FakeCloud:
    """Answers calls from a script (or a function) and remembers every request it saw."""

    def __init__(self, *answers: Answer) -> None:
        self.script = list(answers)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def params(self, index: int = -1) -> dict[str, str]:
        return dict(self.requests[index].url.params.multi_items())


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(
    handler: Handler,
    *,
    sleep: RecordingSleep | None = None,
    policy: RetryPolicy | None = None,
    budget: RetryBudget | None = None,
    **settings: Any,
) -> FlowLogClient:
    settings.setdefault("vpc_endpoint", "https://vpc.example.test")
    return FlowLogClient(
        StaticCredentialsProvider.from_keys("AKID", "SECRET"),
        CloudSettings(**settings),
        transport=httpx.MockTransport(handler),
        retry_policy=policy or RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0),
        retry_budget=budget,
        rate_limiter=RateLimiter(sleep=RecordingSleep()),
        sleep=sleep or RecordingSleep(),
        rng=random.Random(7),
    )


def flow_log(index: int) -> dict[str, Any]:
    return {"FlowLogId": f"fl-{index:04d}", "Status": "Active", "AggregationInterval": 10}


def page(items: list[dict[str, Any]], total: int) -> httpx.Response:
    return ok(
        {
            "Success": "true",
            "TotalCount": str(total),
            "PageNumber": "1",
            "PageSize": "50",
            "FlowLogs": {"FlowLog": items},
        }
    )


CREATE = CreateFlowLogRequest(
    region_id="cn-beijing",
    resource_type="VPC",
    resource_id="vpc-1",
    traffic_type="All",
    tags={"owner": "uid"},
)
DELETE = DeleteFlowLogRequest(region_id="cn-beijing", flow_log_id="fl-1")


# --- wire shape ----------------------------------------------------------------------------------------


async def test_v3_call_is_a_post_with_params_in_query_and_an_empty_body() -> None:
    cloud = FakeCloud(ok({"Success": "true", "FlowLogId": "fl-new"}))
    async with make_client(cloud) as client:
        created = await client.create_flow_log(CREATE)
    assert created.flow_log_id == "fl-new"
    (request,) = cloud.requests
    assert request.method == "POST"
    assert str(request.url).startswith("https://vpc.example.test/?")
    assert request.content == b""
    assert request.headers["x-acs-action"] == "CreateFlowLog"
    assert request.headers["x-acs-version"] == "2016-04-28"
    assert request.headers["x-acs-content-sha256"] == EMPTY_BODY_SHA256
    assert request.headers["accept"] == "application/json"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=AKID,")
    assert cloud.params()["Tag.1.Key"] == "owner"
    assert "Action" not in cloud.params()


async def test_v2_call_carries_common_params_and_a_signature() -> None:
    cloud = FakeCloud(ok({"Success": "true"}))
    async with make_client(cloud, signature_algorithm="v2") as client:
        await client.delete_flow_log(DELETE)
    params = cloud.params()
    assert params["Action"] == "DeleteFlowLog"
    assert params["SignatureVersion"] == "1.0"
    assert params["FlowLogId"] == "fl-1"
    assert "Signature" in params
    assert "authorization" not in cloud.requests[0].headers


async def test_endpoint_is_resolved_per_region_without_an_override() -> None:
    cloud = FakeCloud(ok({"Success": "true"}), ok({"Success": "true"}))
    client = make_client(cloud, vpc_endpoint=None)
    async with client:
        await client.delete_flow_log(DELETE)
        await client.delete_flow_log(DeleteFlowLogRequest(region_id="cn-hangzhou", flow_log_id="fl-1"))
    assert [r.url.host for r in cloud.requests] == ["vpc.cn-beijing.aliyuncs.com", "vpc.aliyuncs.com"]


# --- paging --------------------------------------------------------------------------------------------


async def test_iter_flow_logs_pages_by_fifty_and_stops_on_a_short_page() -> None:
    items = [flow_log(i) for i in range(120)]
    cloud = FakeCloud(page(items[:50], 120), page(items[50:100], 120), page(items[100:], 120))
    async with make_client(cloud) as client:
        found = await client.list_flow_logs(DescribeFlowLogsRequest(region_id="cn-beijing", tags={"o": "u"}))
    assert [f.flow_log_id for f in found] == [f"fl-{i:04d}" for i in range(120)]
    assert [(cloud.params(i)["PageNumber"], cloud.params(i)["PageSize"]) for i in range(3)] == [
        ("1", "50"),
        ("2", "50"),
        ("3", "50"),
    ]
    assert cloud.params(0)["Tags.1.Key"] == "o"


async def test_iter_flow_logs_reads_an_empty_page_after_an_exact_multiple() -> None:
    items = [flow_log(i) for i in range(100)]
    cloud = FakeCloud(page(items[:50], 100), page(items[50:], 100), page([], 100))
    async with make_client(cloud) as client:
        found = await client.list_flow_logs(DescribeFlowLogsRequest(region_id="r"))
    assert len(found) == 100
    assert len(cloud.requests) == 3


async def test_iter_flow_logs_yields_a_flow_log_that_shifted_pages_once() -> None:
    first = [flow_log(i) for i in range(50)]
    second = [flow_log(49)] + [flow_log(i) for i in range(50, 60)]
    cloud = FakeCloud(page(first, 60), page(second, 60))
    async with make_client(cloud) as client:
        found = await client.list_flow_logs(DescribeFlowLogsRequest(region_id="r"))
    assert len(found) == 60


async def test_iter_tag_resources_follows_next_token() -> None:
    def tags_page(key: str, token: str) -> httpx.Response:
        resource = {"ResourceId": "fl-1", "ResourceType": "FLOWLOG", "TagKey": key, "TagValue": "v"}
        return ok({"NextToken": token, "TagResources": {"TagResource": [resource]}})

    cloud = FakeCloud(tags_page("a", "t1"), tags_page("b", "t2"), tags_page("c", ""))
    async with make_client(cloud) as client:
        request = ListTagResourcesRequest(region_id="r", resource_ids=["fl-1"])
        keys = [t.tag_key async for t in client.iter_tag_resources(request)]
    assert keys == ["a", "b", "c"]
    assert [cloud.params(i).get("NextToken") for i in range(3)] == [None, "t1", "t2"]


async def test_open_flow_log_service_when_already_open_is_success() -> None:
    cloud = FakeCloud(fail(400, "OperationFailed.ExceedPurchaseLimit"))
    async with make_client(cloud) as client:
        answer = await client.open_flow_log_service(OpenFlowLogServiceRequest(region_id="r"))
    assert answer.already_open is True


# --- errors and retries ----------------------------------------------------------------------------------


async def test_not_found_is_raised_at_once() -> None:
    cloud = FakeCloud(fail(400, "InvalidFlowLogId.NotFound"))
    async with make_client(cloud) as client:
        with pytest.raises(FlowLogNotFound) as caught:
            await client.delete_flow_log(DELETE)
    assert caught.value.request_id == "RID-ERR"
    assert len(cloud.requests) == 1


async def test_terminal_error_is_not_retried() -> None:
    sleep = RecordingSleep()
    cloud = FakeCloud(fail(400, "QuotaExceeded.FlowlogCount"))
    async with make_client(cloud, sleep=sleep) as client:
        with pytest.raises(TerminalCloudError):
            await client.create_flow_log(CREATE)
    assert sleep.delays == []


async def test_duplicate_resource_answer_is_its_own_error() -> None:
    cloud = FakeCloud(fail(400, "InvalidResourceId.NotFound"))
    async with make_client(cloud) as client:
        with pytest.raises(ResourceAlreadyHasFlowLog):
            await client.create_flow_log(CREATE)


async def test_retryable_errors_are_retried_with_full_jitter_and_fresh_signatures() -> None:
    sleep = RecordingSleep()
    cloud = FakeCloud(
        fail(503, "ServiceUnavailable"), fail(400, "OperationConflict"), fail(500, "InternalError"), ok({})
    )
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0)
    async with make_client(cloud, sleep=sleep, policy=policy) as client:
        await client.delete_flow_log(DELETE)
    assert len(cloud.requests) == 4
    assert len(sleep.delays) == 3
    for retry_number, delay in enumerate(sleep.delays, start=1):
        assert 0.0 <= delay <= policy.backoff_ceiling(retry_number)
    nonces = {r.headers["x-acs-signature-nonce"] for r in cloud.requests}
    assert len(nonces) == 4
    assert cloud.requests[1].headers["x-acs-retry-attempts"] == "1"
    assert "x-acs-retry-attempts" not in cloud.requests[0].headers


async def test_attempts_are_bounded() -> None:
    sleep = RecordingSleep()
    cloud = FakeCloud(*[fail(503, "ServiceUnavailable")] * 3)
    async with make_client(cloud, sleep=sleep, policy=RetryPolicy(max_attempts=3)) as client:
        with pytest.raises(RetryableCloudError) as caught:
            await client.delete_flow_log(DELETE)
    assert caught.value.code == "ServiceUnavailable"
    assert len(cloud.requests) == 3


async def test_retry_after_header_is_honoured_as_a_floor() -> None:
    sleep = RecordingSleep()
    cloud = FakeCloud(fail(400, "Throttling.User", {"x-acs-retry-after": "3000"}), ok({}))
    async with make_client(cloud, sleep=sleep, policy=RetryPolicy(base_delay=0.01, max_delay=0.02)) as client:
        await client.delete_flow_log(DELETE)
    assert sleep.delays == [3.0]


async def test_exhausted_retry_budget_stops_retrying() -> None:
    sleep = RecordingSleep()
    budget = RetryBudget(capacity=1, refill_per_success=0.0)
    cloud = FakeCloud(fail(503, "ServiceUnavailable"), ok({}), fail(503, "ServiceUnavailable"))
    async with make_client(cloud, sleep=sleep, budget=budget) as client:
        await client.delete_flow_log(DELETE)  # spends the only token
        with pytest.raises(RetryableCloudError):
            await client.delete_flow_log(DELETE)
    assert len(cloud.requests) == 3
    assert len(sleep.delays) == 1
    assert budget.tokens == 0


async def test_success_refills_the_retry_budget() -> None:
    budget = RetryBudget(capacity=2, refill_per_success=0.5)
    assert budget.try_spend()
    cloud = FakeCloud(ok({}), ok({}))
    async with make_client(cloud, budget=budget) as client:
        await client.delete_flow_log(DELETE)
        await client.delete_flow_log(DELETE)
    assert budget.tokens == 2


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.Response(502, content=b"<html>bad gateway</html>"),
        httpx.Response(200, content=b"not json"),
        fail(503, "ServiceUnavailable"),
        fail(500, "InternalError"),
        fail(400, "UnknownError"),
    ],
    ids=[
        "read-timeout",
        "dropped-connection",
        "html-502",
        "garbled-200",
        "json-503",
        "json-500",
        "unknown-400",
    ],
)
async def test_create_is_not_retried_when_its_result_is_unknown(lost: Answer) -> None:
    sleep = RecordingSleep()
    cloud = FakeCloud(lost, ok({"FlowLogId": "fl-dup"}))
    async with make_client(cloud, sleep=sleep) as client:
        with pytest.raises(AmbiguousResultError) as caught:
            await client.create_flow_log(CREATE)
    assert len(cloud.requests) == 1
    assert sleep.delays == []
    assert caught.value.retryable


@pytest.mark.parametrize(
    "refusal",
    [
        fail(400, "Throttling.User"),
        fail(503, "Throttling"),
        fail(400, "OperationConflict"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["throttled", "throttled-503", "conflict", "connect-refused"],
)
async def test_create_is_retried_when_the_failure_proves_nothing_was_created(refusal: Answer) -> None:
    cloud = FakeCloud(refusal, ok({"Success": "true", "FlowLogId": "fl-1"}))
    async with make_client(cloud) as client:
        assert (await client.create_flow_log(CREATE)).flow_log_id == "fl-1"
    assert len(cloud.requests) == 2


@pytest.mark.parametrize(
    "lost",
    [httpx.ReadTimeout("t"), httpx.RemoteProtocolError("p"), httpx.Response(502, content=b"<html/>")],
    ids=["read-timeout", "dropped-connection", "html-502"],
)
async def test_idempotent_calls_retry_transport_failures(lost: Answer) -> None:
    cloud = FakeCloud(lost, ok({"Success": "true"}))
    async with make_client(cloud) as client:
        await client.delete_flow_log(DELETE)
    assert len(cloud.requests) == 2


async def test_transport_failure_after_the_last_attempt_is_a_cloud_transport_error() -> None:
    cloud = FakeCloud(httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    async with make_client(cloud, policy=RetryPolicy(max_attempts=2)) as client:
        with pytest.raises(CloudTransportError) as caught:
            await client.delete_flow_log(DELETE)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_throttled_error_keeps_the_server_hint() -> None:
    cloud = FakeCloud(fail(400, "Throttling.User", {"x-acs-retry-after": "250"}))
    async with make_client(cloud, policy=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(ThrottledError) as caught:
            await client.delete_flow_log(DELETE)
    assert caught.value.retry_after == 0.25


# --- concurrency ---------------------------------------------------------------------------------------


async def test_concurrent_calls_are_bounded_by_the_semaphore() -> None:
    release = asyncio.Event()
    in_flight = 0
    peak = 0
    arrived = asyncio.Condition()

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        async with arrived:
            in_flight += 1
            peak = max(peak, in_flight)
            arrived.notify_all()
        await release.wait()
        in_flight -= 1
        return ok({"Success": "true"})

    async with make_client(slow, max_concurrency=3) as client:
        calls = [asyncio.create_task(client.delete_flow_log(DELETE)) for _ in range(8)]
        async with arrived:
            await arrived.wait_for(lambda: in_flight == 3)
        # Let every other task run as far as it can; none may pass the semaphore.
        for _ in range(20):
            await asyncio.sleep(0)
        assert in_flight == 3
        release.set()
        await asyncio.gather(*calls)
    assert peak == 3


async def test_each_attempt_passes_the_rate_limiter() -> None:
    limiter_sleep = RecordingSleep()
    cloud = FakeCloud(*[ok({"Success": "true"})] * 4)
    client = FlowLogClient(
        StaticCredentialsProvider.from_keys("AKID", "SECRET"),
        CloudSettings(vpc_endpoint="https://vpc.example.test"),
        transport=httpx.MockTransport(cloud),
        rate_limiter=RateLimiter({"DeleteFlowLog": 2}, clock=lambda: 0.0, sleep=limiter_sleep),
    )
    async with client:
        for _ in range(4):
            await client.delete_flow_log(DELETE)
    # 2 per minute: the 3rd and 4th calls wait for the window to slide.
    assert len(limiter_sleep.delays) == 2
    assert limiter_sleep.delays == [60.0, 60.0]


# --- the leader-election fence -------------------------------------------------------------------------


class FencedError(Exception):
    pass


async def test_the_fence_is_asked_after_the_rate_limit_wait_right_before_each_attempt() -> None:
    order: list[str] = []

    async def limiter_sleep(seconds: float) -> None:
        order.append("rate-limit wait")

    async def answer(request: httpx.Request) -> httpx.Response:
        order.append("sent")
        return ok({"Success": "true"}) if len(order) > 4 else fail(503, "ServiceUnavailable")

    client = FlowLogClient(
        StaticCredentialsProvider.from_keys("AKID", "SECRET"),
        CloudSettings(vpc_endpoint="https://vpc.example.test"),
        transport=httpx.MockTransport(answer),
        rate_limiter=RateLimiter({"DeleteFlowLog": 1}, clock=lambda: 0.0, sleep=limiter_sleep),
        sleep=RecordingSleep(),
        fence=lambda: order.append("fence"),
    )
    async with client:
        await client.delete_flow_log(DELETE)  # fails once (503), then succeeds on the retry
    assert order == ["fence", "sent", "rate-limit wait", "fence", "sent"]


async def test_a_fence_that_refuses_stops_the_call_before_anything_is_sent() -> None:
    cloud = FakeCloud(ok({"Success": "true", "FlowLogId": "fl-new"}))

    def refuse() -> None:
        raise FencedError("not the leader any more")

    client = FlowLogClient(
        StaticCredentialsProvider.from_keys("AKID", "SECRET"),
        CloudSettings(vpc_endpoint="https://vpc.example.test"),
        transport=httpx.MockTransport(cloud),
        fence=refuse,
    )
    async with client:
        with pytest.raises(FencedError):
            await client.create_flow_log(CREATE)
    assert cloud.requests == []
