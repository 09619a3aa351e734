"""Endpoints resolve as the SDK resolves them; plain http is refused unless allowed, never for Alibaba."""

from __future__ import annotations

import pytest

from flowlog_operator.cloud import CloudSettings, FlowLogClient, StaticCredentialsProvider
from flowlog_operator.cloud.endpoints import (
    InsecureEndpointError,
    is_alibaba_host,
    parse_endpoint,
    resolve_sts_endpoint,
    resolve_vpc_endpoint,
)
from flowlog_operator.cloud.settings import CloudSettingsError


@pytest.mark.parametrize(
    ("region", "network", "expected"),
    [
        ("cn-hangzhou", "public", "https://vpc.aliyuncs.com/"),
        ("cn-beijing", "public", "https://vpc.cn-beijing.aliyuncs.com/"),
        ("ap-southeast-1", "public", "https://vpc.ap-southeast-1.aliyuncs.com/"),
        ("cn-beijing", "vpc", "https://vpc-vpc.cn-beijing.aliyuncs.com/"),
        ("cn-zhangjiakou-na62-a01", "public", "https://vpc.cn-zhangjiakou.aliyuncs.com/"),
        # The SDK consults its map before the network rule.
        ("cn-hangzhou", "vpc", "https://vpc.aliyuncs.com/"),
    ],
)
def test_vpc_endpoint_follows_map_then_rule(region: str, network: str, expected: str) -> None:
    assert str(resolve_vpc_endpoint(region, network=network)) == expected  # type: ignore[arg-type]


def test_explicit_endpoint_wins_over_everything() -> None:
    url = resolve_vpc_endpoint("cn-hangzhou", endpoint="http://127.0.0.1:8765", allow_insecure=True)
    assert str(url) == "http://127.0.0.1:8765/"


def test_bare_host_means_https() -> None:
    assert str(parse_endpoint("vpc.cn-shanghai.aliyuncs.com")) == "https://vpc.cn-shanghai.aliyuncs.com/"


def test_plain_http_is_refused_unless_allowed() -> None:
    with pytest.raises(InsecureEndpointError, match="FLOWLOG_ALLOW_INSECURE_ENDPOINT"):
        parse_endpoint("http://127.0.0.1:8765")
    assert parse_endpoint("http://127.0.0.1:8765", allow_insecure=True).port == 8765


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://vpc.aliyuncs.com",
        "http://vpc.cn-beijing.aliyuncs.com:80",
        "http://sts.aliyuncs.com",
        "http://VPC.ALIYUNCS.COM.",
        "http://ecs.aliyun.com",
        "http://api.alibabacloud.com",
    ],
)
def test_plain_http_to_alibaba_is_refused_even_when_allowed(endpoint: str) -> None:
    with pytest.raises(InsecureEndpointError, match="Alibaba Cloud host"):
        parse_endpoint(endpoint, allow_insecure=True)


@pytest.mark.parametrize(
    ("host", "alibaba"),
    [("vpc.aliyuncs.com", True), ("aliyuncs.com", True), ("evilaliyuncs.com", False), ("localhost", False)],
)
def test_alibaba_host_detection_matches_domains_not_suffix_strings(host: str, alibaba: bool) -> None:
    assert is_alibaba_host(host) is alibaba


@pytest.mark.parametrize("endpoint", ["", "ftp://host", "https://host/path", "https://user:pw@host"])
def test_malformed_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(InsecureEndpointError):
        parse_endpoint(endpoint)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "https://sts.aliyuncs.com/"),
        ({"sts_region": "cn-beijing"}, "https://sts.cn-beijing.aliyuncs.com/"),
        (
            {"sts_region": "cn-beijing", "vpc_endpoint_enabled": True},
            "https://sts-vpc.cn-beijing.aliyuncs.com/",
        ),
        ({"endpoint": "http://127.0.0.1:9", "allow_insecure": True}, "http://127.0.0.1:9/"),
    ],
)
def test_sts_endpoint_resolution(kwargs: dict[str, object], expected: str) -> None:
    assert str(resolve_sts_endpoint(**kwargs)) == expected  # type: ignore[arg-type]


def test_settings_refuse_an_insecure_endpoint_at_start_with_one_line() -> None:
    with pytest.raises(CloudSettingsError) as caught:
        CloudSettings.load(vpc_endpoint="http://127.0.0.1:8765")
    message = str(caught.value)
    assert "\n" not in message
    assert "FLOWLOG_VPC_ENDPOINT" in message


def test_settings_read_the_flowlog_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWLOG_VPC_ENDPOINT", "http://127.0.0.1:8765")
    monkeypatch.setenv("FLOWLOG_ALLOW_INSECURE_ENDPOINT", "true")
    monkeypatch.setenv("FLOWLOG_SIGNATURE_ALGORITHM", "v2")
    monkeypatch.setenv("FLOWLOG_RATE_LIMITS", '{"CreateFlowLog": 100}')
    settings = CloudSettings.load()
    assert settings.vpc_endpoint == "http://127.0.0.1:8765"
    assert settings.signature_algorithm == "v2"
    assert settings.rate_limits == {"CreateFlowLog": 100}
    assert (settings.connect_timeout, settings.read_timeout) == (5.0, 10.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FLOWLOG_SIGNATURE_ALGORITHM", "v4"),
        ("FLOWLOG_MAX_ATTEMPTS", "0"),
        ("FLOWLOG_READ_TIMEOUT", "-1"),
        ("FLOWLOG_RATE_LIMITS", '{"CreateFlowLog": 0}'),
        ("FLOWLOG_NETWORK", "intranet"),
    ],
)
def test_bad_settings_fail_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(CloudSettingsError, match=name):
        CloudSettings.load()


def test_client_refuses_an_insecure_endpoint_unless_the_flag_allows_it() -> None:
    credentials = StaticCredentialsProvider.from_keys("a", "b")
    settings = CloudSettings.model_construct(
        **{**CloudSettings().model_dump(), "vpc_endpoint": "http://127.0.0.1:1"}
    )
    with pytest.raises(InsecureEndpointError):
        FlowLogClient(credentials, settings)
    FlowLogClient(credentials, settings, allow_insecure_endpoint=True)
    alibaba = CloudSettings.model_construct(
        **{**CloudSettings().model_dump(), "vpc_endpoint": "http://vpc.aliyuncs.com"}
    )
    with pytest.raises(InsecureEndpointError):
        FlowLogClient(credentials, alibaba, allow_insecure_endpoint=True)
