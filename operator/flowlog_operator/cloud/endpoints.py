"""Where to send a call: the SDK's endpoint resolution, and the refusal of insecure endpoints.

Resolution order, as the official SDK does it (reference §2.1): an explicit endpoint, then the SDK's
endpoint map (``cn-hangzhou`` and a few special regions go to the central ``vpc.aliyuncs.com``), then the
rule ``vpc[-{network}].{region}.aliyuncs.com``.

A plain ``http://`` endpoint is accepted only when explicitly allowed (for the local emulator), and never
for an Alibaba host, whatever the setting says: credentials must not cross the Internet in clear text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import httpx

__all__ = [
    "ALIBABA_DOMAINS",
    "VPC_ENDPOINT_MAP",
    "InsecureEndpointError",
    "Network",
    "is_alibaba_host",
    "parse_endpoint",
    "resolve_sts_endpoint",
    "resolve_vpc_endpoint",
]

Network = Literal["public", "vpc"]

# From alibabacloud-vpc20160428 7.2.2 `Client._endpoint_map` (the public regions and special ones).
VPC_ENDPOINT_MAP: Mapping[str, str] = {
    "cn-hangzhou": "vpc.aliyuncs.com",
    "cn-shanghai-finance-1": "vpc.aliyuncs.com",
    "cn-shenzhen-finance-1": "vpc.aliyuncs.com",
    "cn-north-2-gov-1": "vpc.aliyuncs.com",
    "ap-northeast-2-pop": "vpc.aliyuncs.com",
    "cn-beijing-finance-pop": "vpc.aliyuncs.com",
    "cn-beijing-gov-1": "vpc.aliyuncs.com",
    "cn-beijing-nu16-b01": "vpc.aliyuncs.com",
    "cn-edge-1": "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    "cn-fujian": "vpc.aliyuncs.com",
    "cn-haidian-cm12-c01": "vpc.aliyuncs.com",
    "cn-hangzhou-bj-b01": "vpc.aliyuncs.com",
    "cn-hangzhou-finance": "vpc.aliyuncs.com",
    "cn-hangzhou-internal-prod-1": "vpc.aliyuncs.com",
    "cn-hangzhou-internal-test-1": "vpc-pre.cn-hangzhou.aliyuncs.com",
    "cn-hangzhou-internal-test-2": "vpc-inner-pre.cn-hangzhou.aliyuncs.com",
    "cn-hangzhou-internal-test-3": "vpc-pre.cn-hangzhou.aliyuncs.com",
    "cn-hangzhou-test-306": "vpc-pre.cn-hangzhou.aliyuncs.com",
    "cn-hongkong-finance-pop": "vpc.aliyuncs.com",
    "cn-huhehaote-nebula-1": "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    "cn-qingdao-nebula": "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    "cn-shanghai-et15-b01": "vpc-pre.cn-hangzhou.aliyuncs.com",
    "cn-shanghai-et2-b01": "vpc.aliyuncs.com",
    "cn-shanghai-inner": "vpc.aliyuncs.com",
    "cn-shanghai-internal-test-1": "vpc-pre.cn-hangzhou.aliyuncs.com",
    "cn-shenzhen-inner": "vpc.aliyuncs.com",
    "cn-shenzhen-st4-d01": "vpc.aliyuncs.com",
    "cn-shenzhen-su18-b01": "vpc.aliyuncs.com",
    "cn-wuhan": "vpc.aliyuncs.com",
    "cn-yushanfang": "vpc.aliyuncs.com",
    "cn-zhangbei": "vpc.aliyuncs.com",
    "cn-zhangbei-na61-b01": "vpc.aliyuncs.com",
    "cn-zhangjiakou-na62-a01": "vpc.cn-zhangjiakou.aliyuncs.com",
    "cn-zhengzhou-nebula-1": "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    "eu-west-1-oxs": "vpc-nebula.cn-shenzhen-cloudstone.aliyuncs.com",
    "rus-west-1-pop": "vpc.aliyuncs.com",
}

ALIBABA_DOMAINS = (
    "aliyuncs.com",
    "aliyun.com",
    "alibabacloud.com",
    "aliyun-inc.com",
    "alibaba-inc.com",
    "alicloudapi.com",
)


class InsecureEndpointError(ValueError):
    """An endpoint would send signed requests or credentials in clear text (or is malformed)."""


def is_alibaba_host(host: str) -> bool:
    """True for any host in an Alibaba Cloud domain (``vpc.aliyuncs.com``, ``sts.aliyuncs.com``, ...)."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in ALIBABA_DOMAINS)


def parse_endpoint(endpoint: str, *, allow_insecure: bool = False) -> httpx.URL:
    """The base URL (``scheme://host[:port]/``) of an endpoint given as a host or an ``http(s)`` URL.

    A bare host means HTTPS, as in the SDK. Raises `InsecureEndpointError` for ``http://`` unless
    allowed, and always for ``http://`` to an Alibaba host.
    """
    text = endpoint.strip()
    if not text:
        raise InsecureEndpointError("the endpoint is empty")
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InsecureEndpointError(f"endpoint {endpoint!r} is not a valid URL: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise InsecureEndpointError(f"endpoint {endpoint!r} must be an https:// URL or a host name")
    if url.path not in ("", "/") or url.query or url.userinfo:
        raise InsecureEndpointError(f"endpoint {endpoint!r} must be scheme, host and port only")
    if url.scheme == "http":
        if is_alibaba_host(url.host):
            raise InsecureEndpointError(
                f"refusing plain http to the Alibaba Cloud host {url.host!r}; use https"
            )
        if not allow_insecure:
            raise InsecureEndpointError(
                f"refusing plain http endpoint {endpoint!r}; set FLOWLOG_ALLOW_INSECURE_ENDPOINT=true "
                "to allow it (local emulator only)"
            )
    return url.copy_with(path="/", query=None, fragment=None)


def resolve_vpc_endpoint(
    region_id: str,
    *,
    endpoint: str | None = None,
    network: Network = "public",
    allow_insecure: bool = False,
) -> httpx.URL:
    """The VPC API base URL for ``region_id``: explicit endpoint > endpoint map > regional rule."""
    if endpoint:
        return parse_endpoint(endpoint, allow_insecure=allow_insecure)
    if not region_id:
        raise ValueError("a region is required to resolve the VPC endpoint")
    mapped = VPC_ENDPOINT_MAP.get(region_id)
    if mapped is not None:
        return parse_endpoint(mapped)
    suffix = "" if network == "public" else f"-{network}"
    return parse_endpoint(f"vpc{suffix}.{region_id}.aliyuncs.com")


def resolve_sts_endpoint(
    *,
    endpoint: str | None = None,
    sts_region: str | None = None,
    vpc_endpoint_enabled: bool = False,
    allow_insecure: bool = False,
) -> httpx.URL:
    """The STS base URL: explicit > ``sts[-vpc].{region}.aliyuncs.com`` > ``sts.aliyuncs.com``."""
    if endpoint:
        return parse_endpoint(endpoint, allow_insecure=allow_insecure)
    if sts_region:
        prefix = "sts-vpc" if vpc_endpoint_enabled else "sts"
        return parse_endpoint(f"{prefix}.{sts_region}.aliyuncs.com")
    return parse_endpoint("sts.aliyuncs.com")
