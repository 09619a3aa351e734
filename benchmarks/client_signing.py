"""Per-request signing overhead of our cloud client (V3 and v2), in microseconds.

Three measurements per scheme, each a bounded loop (no network):

- ``signature``: the pure signing function over a typical DescribeFlowLogs request;
- ``auth_flow``: building an ``httpx.Request`` and running it through ``AlibabaRpcAuth``'s async flow
  (credentials lookup, headers, canonicalisation, HMAC);
- ``client_call``: a whole ``FlowLogClient.describe_flow_logs`` over ``httpx.MockTransport``
  (parameter flattening, rate limiter, semaphore, signing, response parsing).

Prints a table and writes ``benchmarks/results/client_signing.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from flowlog_operator.cloud import (
    CloudSettings,
    DescribeFlowLogsRequest,
    FlowLogClient,
    RateLimiter,
    StaticCredentialsProvider,
)
from flowlog_operator.cloud.signing import EMPTY_BODY_SHA256, AlibabaRpcAuth, rpc_signature, v3_authorization

RESULTS = Path(__file__).parent / "results" / "client_signing.json"
PARAMS = {
    "RegionId": "cn-hangzhou",
    "PageNumber": "1",
    "PageSize": "50",
    "Tags.1.Key": "flowlog.alicloud.io/owner",
    "Tags.1.Value": "4f9c2a1e-0b7d-4c55-9a2e-0d3f7c1b2a99",
}
HEADERS = [
    ("host", "vpc.aliyuncs.com"),
    ("x-acs-action", "DescribeFlowLogs"),
    ("x-acs-version", "2016-04-28"),
    ("x-acs-date", "2024-05-01T12:00:00Z"),
    ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    ("x-acs-content-sha256", EMPTY_BODY_SHA256),
]


def time_sync(fn: Callable[[], object], iterations: int, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter() - start) / iterations * 1e6)
    return samples


async def time_async(fn: Callable[[], Awaitable[object]], iterations: int, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            await fn()
        samples.append((time.perf_counter() - start) / iterations * 1e6)
    return samples


async def measure(iterations: int, repeats: int) -> dict[str, dict[str, float]]:
    results: dict[str, list[float]] = {}
    credentials = StaticCredentialsProvider.from_keys("AKID", "SECRET", "STS-TOKEN")

    results["v3/signature"] = time_sync(
        lambda: v3_authorization(
            access_key_id="AKID",
            access_key_secret="SECRET",
            method="POST",
            path="/",
            query=PARAMS.items(),
            headers=HEADERS,
            payload_hash=EMPTY_BODY_SHA256,
        ),
        iterations,
        repeats,
    )
    results["v2/signature"] = time_sync(lambda: rpc_signature("SECRET", "POST", PARAMS), iterations, repeats)

    for algorithm in ("v3", "v2"):
        auth = AlibabaRpcAuth(credentials, algorithm=algorithm)  # type: ignore[arg-type]

        async def through_auth(auth: AlibabaRpcAuth = auth) -> None:
            request = httpx.Request(
                "POST",
                "https://vpc.aliyuncs.com/",
                params=PARAMS,
                headers={"x-acs-action": "DescribeFlowLogs", "x-acs-version": "2016-04-28"},
            )
            flow = auth.async_auth_flow(request)
            await flow.__anext__()
            await flow.aclose()

        results[f"{algorithm}/auth_flow"] = await time_async(through_auth, iterations, repeats)

    body = {"RequestId": "R", "Success": "true", "TotalCount": "0", "PageNumber": "1", "PageSize": "50"}
    for algorithm in ("v3", "v2"):
        client = FlowLogClient(
            credentials,
            CloudSettings(vpc_endpoint="https://vpc.example.test", signature_algorithm=algorithm),  # type: ignore[arg-type]
            transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
            rate_limiter=RateLimiter({"DescribeFlowLogs": 10**9}, burst=10**6),
        )
        request = DescribeFlowLogsRequest(region_id="cn-hangzhou", page_size=50, tags={"k": "v"})
        async with client:
            results[f"{algorithm}/client_call"] = await time_async(
                lambda client=client, request=request: client.describe_flow_logs(request),
                max(1, iterations // 4),
                repeats,
            )

    return {
        name: {"median_us": statistics.median(s), "min_us": min(s), "max_us": max(s)}
        for name, s in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000, help="calls per repeat (bounded loop)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.iterations, args.repeats))
    print(f"{'measurement':<20} {'median µs':>10} {'min µs':>10} {'max µs':>10}")
    for name, figure in figures.items():
        print(f"{name:<20} {figure['median_us']:>10.1f} {figure['min_us']:>10.1f} {figure['max_us']:>10.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "client_signing",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "iterations": args.iterations,
        "repeats": args.repeats,
        "results": figures,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
