"""Benchmark: DescribeFlowLogs throughput of the emulator with 1,000 flow logs.

Starts ``flowlog-operator emulator`` as a subprocess (rate limits off), loads
1,000 flow logs through the signed API, then sends a bounded number of signed
DescribeFlowLogs requests (pages of 50) from several concurrent clients.
Prints a table and writes ``benchmarks/results/emulator_describe.json``.

    .venv/bin/python benchmarks/emulator_describe.py [--requests 4000] [--clients 8] [--signature rpc|v3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import platform
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from flowlog_operator.emulator.signatures import rpc_signature

RESULTS = Path(__file__).with_name("results") / "emulator_describe.json"
REGION = "cn-hangzhou"
KEY_ID, SECRET = "emulator", "emulator-secret"
FLOWLOGS = 1_000
PAGE_SIZE = 50


def now_stamp() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rpc_request(action: str, params: dict[str, str]) -> str:
    query = {
        "Action": action,
        "Version": "2016-04-28",
        "Format": "JSON",
        "AccessKeyId": KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": now_stamp(),
        **params,
    }
    query["Signature"] = rpc_signature("POST", query, SECRET)
    return "/?" + urlencode(query)


def v3_request(host: str, action: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": "2016-04-28",
        "x-acs-date": now_stamp(),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    signed = sorted(headers)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "&".join(f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params)),
            "".join(f"{name}:{headers[name]}\n" for name in signed),
            ";".join(signed),
            headers["x-acs-content-sha256"],
        ]
    )
    to_sign = f"ACS3-HMAC-SHA256\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={';'.join(signed)},Signature={signature}"
    )
    return "/?" + urlencode(params), headers


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "flowlog_operator",
        "emulator",
        "--port",
        "0",
        "--no-rate-limits",
        "--quota",
        str(FLOWLOGS * 2),
        "--activation-delay",
        "0",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("emulator listening on "):
        process.kill()
        raise SystemExit(f"emulator did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


async def load_flowlogs(client: httpx.AsyncClient) -> float:
    enis = [f"eni-bench-{n:04d}" for n in range(FLOWLOGS)]
    inventory = {
        "vpcs": [
            {"id": "vpc-hz-bench", "region": REGION, "vswitches": [{"id": "vsw-hz-bench", "enis": enis}]}
        ]
    }
    (await client.post("/_emulator/inventory", json=inventory)).raise_for_status()
    started = time.perf_counter()
    semaphore = asyncio.Semaphore(16)

    async def create(eni: str) -> None:
        params = {
            "RegionId": REGION,
            "ResourceType": "NetworkInterface",
            "ResourceId": eni,
            "TrafficType": "All",
            "ProjectName": "flowlog-hz",
            "LogStoreName": "flowlog-store",
            "Tag.1.Key": "bench",
            "Tag.1.Value": eni,
        }
        async with semaphore:
            (await client.post(rpc_request("CreateFlowLog", params))).raise_for_status()

    await asyncio.gather(*(create(eni) for eni in enis))
    return time.perf_counter() - started


async def measure(
    client: httpx.AsyncClient, host: str, requests: int, clients: int, signature: str
) -> dict[str, float]:
    pages = FLOWLOGS // PAGE_SIZE
    latencies: list[float] = []
    counter = iter(range(requests))
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for n in counter:
            params = {"RegionId": REGION, "PageSize": str(PAGE_SIZE), "PageNumber": str(n % pages + 1)}
            started = time.perf_counter()
            if signature == "v3":
                path, headers = v3_request(host, "DescribeFlowLogs", params)
                response = await client.post(path, headers=headers)
            else:
                response = await client.post(rpc_request("DescribeFlowLogs", params))
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or len(response.json()["FlowLogs"]["FlowLog"]) != PAGE_SIZE:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "requests": requests,
        "clients": clients,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(requests / elapsed, 1),
        "flowlogs_per_second": round(requests * PAGE_SIZE / elapsed, 1),
        "latency_ms_p50": round(quantiles[49] * 1000, 2),
        "latency_ms_p95": round(quantiles[94] * 1000, 2),
        "latency_ms_p99": round(quantiles[98] * 1000, 2),
    }


async def run(args: argparse.Namespace) -> dict[str, object]:
    process, url = start_emulator()
    try:
        limits = httpx.Limits(max_connections=args.clients * 2)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
            load_seconds = await load_flowlogs(client)
            await measure(
                client, url.split("://")[1], min(200, args.requests), args.clients, args.signature
            )  # warm-up
            result = await measure(client, url.split("://")[1], args.requests, args.clients, args.signature)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return {
        "benchmark": "emulator DescribeFlowLogs",
        "flowlogs": FLOWLOGS,
        "page_size": PAGE_SIZE,
        "signature": args.signature,
        "load_seconds": round(load_seconds, 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_at": now_stamp(),
        **result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--signature", choices=["rpc", "v3"], default="rpc")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    width = max(len(key) for key in result)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  -----")
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
