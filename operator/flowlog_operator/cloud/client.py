"""`FlowLogClient`: the async client of the VPC FlowLog API (Vpc 2016-04-28) on `httpx.AsyncClient`.

Every call goes through the same path: pace (token bucket per region and action), bound concurrency
(one semaphore), sign (`AlibabaRpcAuth`, fresh nonce and timestamp per attempt), send, classify the
answer (`errors.error_from_response` / `error_from_transport`), and retry what is retryable with full
jitter backoff while the attempts and the shared retry budget last.

**CreateFlowLog is not idempotent** (the API has no client token for it). It is retried only when the
failure proves the flow log was not created: a refusal with a JSON error body (throttling, validation,
permissions, conflicts), or a transport error raised before the request left (connection refused, connect
or pool timeout). A server error (5xx, or a code such as ``InternalError``, even with a JSON body), a
timeout while waiting for the answer, a dropped connection, a non-JSON 5xx page or an unreadable 200 may
hide a created flow log: the client raises `AmbiguousResultError` at once, and the
caller must look the flow log up by its ownership tag (``DescribeFlowLogs`` with ``Tags.N``) before it
creates again. Every other operation is idempotent in effect and retried on any retryable error.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from flowlog_operator import __version__
from flowlog_operator.cloud.credentials import CredentialsProvider
from flowlog_operator.cloud.endpoints import resolve_vpc_endpoint
from flowlog_operator.cloud.errors import (
    AmbiguousResultError,
    CloudError,
    CloudTransportError,
    TerminalCloudError,
    ThrottledError,
    error_from_response,
    error_from_transport,
)
from flowlog_operator.cloud.models import (
    ActiveFlowLogRequest,
    CreateFlowLogRequest,
    CreateFlowLogResponse,
    DeactiveFlowLogRequest,
    DeleteFlowLogRequest,
    DescribeFlowLogsRequest,
    DescribeFlowLogsResponse,
    FlowLog,
    GetFlowLogServiceStatusRequest,
    GetFlowLogServiceStatusResponse,
    ListTagResourcesRequest,
    ListTagResourcesResponse,
    ModifyFlowLogAttributeRequest,
    MoveResourceGroupRequest,
    OpenFlowLogServiceRequest,
    OpenFlowLogServiceResponse,
    RequestIdResponse,
    RpcRequest,
    RpcResponse,
    SuccessResponse,
    TagResource,
    TagResourcesRequest,
    UnTagResourcesRequest,
)
from flowlog_operator.cloud.ratelimit import RateLimiter
from flowlog_operator.cloud.redaction import install_httpx_log_redaction
from flowlog_operator.cloud.retry import RetryBudget, RetryPolicy
from flowlog_operator.cloud.settings import CloudSettings
from flowlog_operator.cloud.signing import AlibabaRpcAuth, new_nonce

__all__ = ["API_VERSION", "PAGE_SIZE", "FlowLogClient"]

logger = logging.getLogger(__name__)

API_VERSION = "2016-04-28"
PAGE_SIZE = 50
ResponseT = TypeVar("ResponseT", bound=RpcResponse)


class FlowLogClient:
    """Async client of the FlowLog operations; one instance serves every region.

    Use as ``async with FlowLogClient(credentials_from_environment()) as client: ...``.
    """

    def __init__(
        self,
        credentials: CredentialsProvider,
        settings: CloudSettings | None = None,
        *,
        allow_insecure_endpoint: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        signing_clock: Callable[[], datetime] | None = None,
        nonce: Callable[[], str] = new_nonce,
        fence: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings if settings is not None else CloudSettings.load()
        # Asked right before every request goes out (after any wait for the rate limit): with leader
        # election, it stops the process when this replica may no longer act.
        self._fence = fence
        self._allow_insecure = allow_insecure_endpoint or self.settings.allow_insecure_endpoint
        self._endpoints: dict[str, httpx.URL] = {}
        if self.settings.vpc_endpoint:
            # Refuse a bad explicit endpoint now, not at the first call.
            self._endpoint_for(self.settings.region)
        auth_options: dict[str, Any] = {"algorithm": self.settings.signature_algorithm, "nonce": nonce}
        if signing_clock is not None:
            auth_options["clock"] = signing_clock
        self._auth = AlibabaRpcAuth(credentials, **auth_options)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout),
            headers={"accept": "application/json", "user-agent": f"flowlog-operator/{__version__}"},
            follow_redirects=False,
        )
        self._policy = retry_policy or RetryPolicy(
            max_attempts=self.settings.max_attempts,
            base_delay=self.settings.backoff_base,
            max_delay=self.settings.backoff_max,
        )
        # Retries may use up to half the successful traffic, and one more per second of waiting.
        self._budget = (
            retry_budget
            if retry_budget is not None
            else RetryBudget(self.settings.retry_budget, refill_per_success=0.5, refill_per_second=1.0)
        )
        self._rate_limiter = rate_limiter or RateLimiter(self.settings.rate_limits)
        self._semaphore = asyncio.Semaphore(self.settings.max_concurrency)
        self._sleep = sleep
        self._rng = rng or random.Random()
        install_httpx_log_redaction()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(region={self.settings.region!r}, "
            f"signature={self.settings.signature_algorithm!r}, endpoint={self.settings.vpc_endpoint!r})"
        )

    async def __aenter__(self) -> FlowLogClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- operations ----------------------------------------------------------------------------

    async def create_flow_log(self, request: CreateFlowLogRequest) -> CreateFlowLogResponse:
        """Start creating a flow log (it is ``Activating`` until ``Active``); see the module docstring."""
        return await self._call(request, CreateFlowLogResponse)

    async def describe_flow_logs(self, request: DescribeFlowLogsRequest) -> DescribeFlowLogsResponse:
        """One page of flow logs; an unknown ID gives an empty page, not an error."""
        return await self._call(request, DescribeFlowLogsResponse)

    async def iter_flow_logs(self, request: DescribeFlowLogsRequest) -> AsyncIterator[FlowLog]:
        """Every flow log matching ``request``'s filters, 50 a page, stopping on a short page.

        A flow log that moved between pages while we read is yielded once.
        """
        seen: set[str] = set()
        page_number = 1
        while True:
            page = await self.describe_flow_logs(
                request.model_copy(update={"page_number": page_number, "page_size": PAGE_SIZE})
            )
            for flow_log in page.flow_logs:
                if flow_log.flow_log_id not in seen:
                    seen.add(flow_log.flow_log_id)
                    yield flow_log
            if len(page.flow_logs) < PAGE_SIZE:
                return
            page_number += 1

    async def list_flow_logs(self, request: DescribeFlowLogsRequest) -> list[FlowLog]:
        """`iter_flow_logs` collected into a list."""
        return [flow_log async for flow_log in self.iter_flow_logs(request)]

    async def modify_flow_log_attribute(self, request: ModifyFlowLogAttributeRequest) -> SuccessResponse:
        return await self._call(request, SuccessResponse)

    async def active_flow_log(self, request: ActiveFlowLogRequest) -> SuccessResponse:
        """Start an ``Inactive`` flow log (``Activating`` -> ``Active``)."""
        return await self._call(request, SuccessResponse)

    async def deactive_flow_log(self, request: DeactiveFlowLogRequest) -> SuccessResponse:
        """Stop an ``Active`` flow log (``Deactivating`` -> ``Inactive``)."""
        return await self._call(request, SuccessResponse)

    async def delete_flow_log(self, request: DeleteFlowLogRequest) -> SuccessResponse:
        """Start deleting (``Deleting``, then absent from DescribeFlowLogs); raises `FlowLogNotFound`."""
        return await self._call(request, SuccessResponse)

    async def get_flow_log_service_status(
        self, request: GetFlowLogServiceStatusRequest
    ) -> GetFlowLogServiceStatusResponse:
        return await self._call(request, GetFlowLogServiceStatusResponse)

    async def open_flow_log_service(self, request: OpenFlowLogServiceRequest) -> OpenFlowLogServiceResponse:
        """Open the service; an already open service is success (``already_open=True``)."""
        try:
            return await self._call(request, OpenFlowLogServiceResponse)
        except TerminalCloudError as error:
            if error.code != "OperationFailed.ExceedPurchaseLimit":
                raise
            return OpenFlowLogServiceResponse(
                request_id=error.request_id or "", code=error.code, message=error.message, already_open=True
            )

    async def tag_resources(self, request: TagResourcesRequest) -> RequestIdResponse:
        return await self._call(request, RequestIdResponse)

    async def untag_resources(self, request: UnTagResourcesRequest) -> RequestIdResponse:
        return await self._call(request, RequestIdResponse)

    async def list_tag_resources(self, request: ListTagResourcesRequest) -> ListTagResourcesResponse:
        return await self._call(request, ListTagResourcesResponse)

    async def iter_tag_resources(self, request: ListTagResourcesRequest) -> AsyncIterator[TagResource]:
        """Every (resource, tag) pair, following ``NextToken`` until it is empty."""
        next_token = request.next_token
        while True:
            page = await self.list_tag_resources(request.model_copy(update={"next_token": next_token}))
            for tag_resource in page.tag_resources:
                yield tag_resource
            if not page.next_token or page.next_token == next_token:
                return
            next_token = page.next_token

    async def move_resource_group(self, request: MoveResourceGroupRequest) -> RequestIdResponse:
        return await self._call(request, RequestIdResponse)

    # --- machinery -----------------------------------------------------------------------------

    def _endpoint_for(self, region_id: str) -> httpx.URL:
        endpoint = self._endpoints.get(region_id)
        if endpoint is None:
            endpoint = resolve_vpc_endpoint(
                region_id,
                endpoint=self.settings.vpc_endpoint,
                network=self.settings.network,
                allow_insecure=self._allow_insecure,
            )
            self._endpoints[region_id] = endpoint
        return endpoint

    async def _call(self, request: RpcRequest, response_type: type[ResponseT]) -> ResponseT:
        retry_number = 0
        last_delay = 0.0
        while True:
            try:
                result = await self._attempt(request, response_type, retry_number, last_delay)
            except CloudError as error:
                if not self._may_retry(request, error, retry_number):
                    raise
                retry_number += 1
                retry_after = error.retry_after if isinstance(error, ThrottledError) else None
                last_delay = self._policy.delay(retry_number, self._rng, retry_after)
                logger.warning(
                    "%s in %s failed (%s); retry %d in %.2fs",
                    request.ACTION,
                    request.region_id,
                    error.code or type(error).__name__,
                    retry_number,
                    last_delay,
                )
                await self._sleep(last_delay)
                continue
            self._budget.record_success()
            return result

    def _may_retry(self, request: RpcRequest, error: CloudError, retry_number: int) -> bool:
        if not error.retryable or isinstance(error, AmbiguousResultError):
            return False
        if retry_number + 1 >= self._policy.max_attempts:
            return False
        if not self._budget.try_spend():
            logger.warning("retry budget exhausted; not retrying %s", request.ACTION)
            return False
        return True

    def _build_request(self, request: RpcRequest, retry_number: int, last_delay: float) -> httpx.Request:
        headers = {"x-acs-action": request.ACTION, "x-acs-version": API_VERSION}
        if retry_number:
            headers["x-acs-retry-attempts"] = str(retry_number)
            headers["x-acs-retry-delay"] = str(int(last_delay * 1000))
        return self._http.build_request(
            "POST", self._endpoint_for(request.region_id), params=request.to_params(), headers=headers
        )

    async def _attempt(
        self, request: RpcRequest, response_type: type[ResponseT], retry_number: int, last_delay: float
    ) -> ResponseT:
        action = request.ACTION
        http_request = self._build_request(request, retry_number, last_delay)
        await self._rate_limiter.acquire(request.region_id, action)
        async with self._semaphore:
            if self._fence is not None:
                self._fence()
            try:
                response = await self._http.send(http_request, auth=self._auth)
            except httpx.TransportError as exc:
                raise error_from_transport(exc, action=action, idempotent=request.IDEMPOTENT) from exc
        logger.debug(
            "%s %s -> HTTP %d (RequestId %s)",
            action,
            request.region_id,
            response.status_code,
            response.headers.get("x-acs-request-id", "?"),
        )
        if response.status_code >= 400:
            raise error_from_response(response, action=action, idempotent=request.IDEMPOTENT)
        try:
            return response_type.model_validate_json(response.content)
        except ValidationError as exc:
            message = (
                f"unreadable answer (HTTP {response.status_code}): {exc.error_count()} validation errors"
            )
            error_type = CloudTransportError if request.IDEMPOTENT else AmbiguousResultError
            raise error_type(message, action=action, http_status=response.status_code) from exc
