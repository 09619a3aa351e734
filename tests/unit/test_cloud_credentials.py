"""Credentials come from the standard variables; RRSA re-reads its token file, refreshes early, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from flowlog_operator.cloud.credentials import (
    OidcRoleCredentialsProvider,
    StaticCredentialsProvider,
    credentials_from_environment,
)
from flowlog_operator.cloud.errors import CredentialsError, RetryableCloudError, TerminalCloudError

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class FakeSts:
    """AssumeRoleWithOIDC: issues numbered credentials valid for `lifetime` from the clock's now."""

    def __init__(self, clock: Clock, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.requests: list[httpx.Request] = []
        self.failure: httpx.Response | None = None
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            return self.failure
        n = len(self.requests)
        expiration = (self.clock.now + self.lifetime).strftime("%Y-%m-%dT%H:%M:%SZ")
        issued = {
            "AccessKeyId": f"STS.id-{n}",
            "AccessKeySecret": f"sts-secret-{n}",
            "SecurityToken": f"sts-token-{n}",
            "Expiration": expiration,
        }
        return httpx.Response(200, json={"RequestId": f"R{n}", "Credentials": issued})

    def token_sent(self, index: int = -1) -> str:
        return self.requests[index].url.params["OIDCToken"]


def make_provider(
    tmp_path: Path, sts: FakeSts, clock: Clock, **kwargs: object
) -> OidcRoleCredentialsProvider:
    token_file = tmp_path / "token"
    if not token_file.exists():
        token_file.write_text("oidc-token-1\n")
    return OidcRoleCredentialsProvider(
        role_arn="acs:ram::123:role/flowlog",
        oidc_provider_arn="acs:ram::123:oidc-provider/ack-rrsa-c1",
        token_file=token_file,
        sts_endpoint=httpx.URL("https://sts.example.test/"),
        role_session_name="session-1",
        transport=httpx.MockTransport(sts),
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_assume_role_with_oidc_is_an_unsigned_get_with_the_sdk_parameters(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    provider = make_provider(tmp_path, sts, clock)
    credentials = await provider.get()
    (request,) = sts.requests
    params = dict(request.url.params.multi_items())
    assert request.method == "GET"
    assert params == {
        "Action": "AssumeRoleWithOIDC",
        "Format": "JSON",
        "Version": "2015-04-01",
        "DurationSeconds": "3600",
        "RoleArn": "acs:ram::123:role/flowlog",
        "OIDCProviderArn": "acs:ram::123:oidc-provider/ack-rrsa-c1",
        "OIDCToken": "oidc-token-1",
        "RoleSessionName": "session-1",
        "Timestamp": "2024-05-01T12:00:00Z",
    }
    assert "authorization" not in request.headers
    assert credentials.access_key_id == "STS.id-1"
    assert credentials.security_token_value() == "sts-token-1"
    assert credentials.provider_name == "oidc_role_arn"
    await provider.aclose()


async def test_credentials_are_cached_until_fifteen_minutes_before_expiry(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    provider = make_provider(tmp_path, sts, clock)
    await provider.get()
    clock.now = START + timedelta(minutes=44, seconds=59)
    assert (await provider.get()).access_key_id == "STS.id-1"
    clock.now = START + timedelta(minutes=45)
    assert (await provider.get()).access_key_id == "STS.id-2"
    assert len(sts.requests) == 2
    await provider.aclose()


async def test_short_lifetimes_refresh_at_three_quarters(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock, lifetime=timedelta(minutes=15))
    provider = make_provider(tmp_path, sts, clock, duration_seconds=900)
    await provider.get()
    clock.now = START + timedelta(minutes=11)
    await provider.get()
    assert len(sts.requests) == 1
    clock.now = START + timedelta(minutes=11, seconds=15)
    await provider.get()
    assert len(sts.requests) == 2
    await provider.aclose()


async def test_token_file_is_re_read_on_every_refresh(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    provider = make_provider(tmp_path, sts, clock)
    await provider.get()
    (tmp_path / "token").write_text("oidc-token-2")
    clock.now = START + timedelta(hours=1)
    await provider.get()
    assert [sts.token_sent(0), sts.token_sent(1)] == ["oidc-token-1", "oidc-token-2"]
    await provider.aclose()


async def test_concurrent_callers_share_one_refresh(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    sts.gate = asyncio.Event()
    provider = make_provider(tmp_path, sts, clock)
    callers = [asyncio.create_task(provider.get()) for _ in range(10)]
    await sts.entered.wait()
    sts.gate.set()
    results = await asyncio.gather(*callers)
    assert len(sts.requests) == 1
    assert {c.access_key_id for c in results} == {"STS.id-1"}
    await provider.aclose()


async def test_a_failed_refresh_keeps_still_valid_credentials(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    provider = make_provider(tmp_path, sts, clock)
    await provider.get()
    sts.failure = httpx.Response(503, json={"Code": "ServiceUnavailable", "Message": "later"})
    clock.now = START + timedelta(minutes=50)
    assert (await provider.get()).access_key_id == "STS.id-1"
    clock.now = START + timedelta(hours=1)
    with pytest.raises(RetryableCloudError):
        await provider.get()
    await provider.aclose()


async def test_sts_refusals_are_classified_by_the_error_table(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    sts.failure = httpx.Response(400, json={"Code": "InvalidParameter.OIDCToken", "Message": "bad token"})
    provider = make_provider(tmp_path, sts, clock)
    with pytest.raises(TerminalCloudError) as caught:
        await provider.get()
    assert caught.value.action == "AssumeRoleWithOIDC"
    assert caught.value.code == "InvalidParameter.OIDCToken"
    await provider.aclose()


async def test_missing_token_file_is_a_credentials_error(tmp_path: Path) -> None:
    clock = Clock()
    provider = make_provider(tmp_path, FakeSts(clock), clock)
    (tmp_path / "token").unlink()
    with pytest.raises(CredentialsError, match="OIDC token file"):
        await provider.get()
    await provider.aclose()


async def test_environment_access_key_comes_first() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "TOKEN",
        "ALIBABA_CLOUD_ROLE_ARN": "ignored",
    }
    provider = credentials_from_environment(env)
    assert isinstance(provider, StaticCredentialsProvider)
    credentials = await provider.get()
    assert credentials.security_token_value() == "TOKEN"
    assert credentials.provider_name == "static_sts"


async def test_environment_rrsa_uses_the_sts_endpoint_override(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("jwt")
    clock = Clock()
    sts = FakeSts(clock)
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1:role/r",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1:oidc-provider/p",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "op",
        "FLOWLOG_STS_ENDPOINT": "http://127.0.0.1:8765",
        "FLOWLOG_ALLOW_INSECURE_ENDPOINT": "true",
    }
    provider = credentials_from_environment(env, transport=httpx.MockTransport(sts))
    assert isinstance(provider, OidcRoleCredentialsProvider)
    await provider.get()
    assert str(sts.requests[0].url).startswith("http://127.0.0.1:8765/?")
    assert sts.requests[0].url.params["RoleSessionName"] == "op"
    await provider.aclose()


def test_environment_rrsa_refuses_plain_http_sts_by_default(tmp_path: Path) -> None:
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": "r",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "p",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "t"),
        "FLOWLOG_STS_ENDPOINT": "http://127.0.0.1:8765",
    }
    with pytest.raises(CredentialsError, match="bad STS endpoint"):
        credentials_from_environment(env)


def test_environment_rrsa_resolves_the_regional_vpc_sts_endpoint(tmp_path: Path) -> None:
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": "r",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "p",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "t"),
        "ALIBABA_CLOUD_STS_REGION": "cn-beijing",
        "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true",
    }
    provider = credentials_from_environment(env)
    assert isinstance(provider, OidcRoleCredentialsProvider)
    assert str(provider.sts_endpoint) == "https://sts-vpc.cn-beijing.aliyuncs.com/"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "ALIBABA_CLOUD_ACCESS_KEY_ID"),
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "a"}, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        ({"ALIBABA_CLOUD_ROLE_ARN": "r"}, "ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
    ],
)
def test_missing_credentials_name_the_variables(env: dict[str, str], named: str) -> None:
    with pytest.raises(CredentialsError, match=named):
        credentials_from_environment(env)
