"""Secrets (AccessKeySecret, STS token, OIDC token, signatures) never reach reprs, messages or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from flowlog_operator.cloud import (
    CloudSettings,
    Credentials,
    DeleteFlowLogRequest,
    FlowLogClient,
    OidcRoleCredentialsProvider,
    StaticCredentialsProvider,
    TerminalCloudError,
)
from flowlog_operator.cloud.redaction import redact

SECRET = "top-secret-key-material"
TOKEN = "sts-token-material"


def test_credentials_repr_and_str_hide_secret_and_token() -> None:
    credentials = Credentials(
        access_key_id="AKID", access_key_secret=SecretStr(SECRET), security_token=SecretStr(TOKEN)
    )
    for text in (repr(credentials), str(credentials), repr(StaticCredentialsProvider(credentials))):
        assert SECRET not in text
        assert TOKEN not in text
    assert "AKID" in repr(credentials)


def test_redaction_masks_secret_query_parameters_only() -> None:
    line = 'POST http://h/?Action=X&Signature=abc%3D&SecurityToken=tok&OIDCToken=jwt "HTTP/1.1 200"'
    cleaned = redact(line)
    assert "abc" not in cleaned
    assert "tok" not in cleaned.replace("SecurityToken", "").replace("OIDCToken", "")
    assert "jwt" not in cleaned
    assert "Action=X" in cleaned


@pytest.mark.parametrize("algorithm", ["v3", "v2"])
async def test_full_calls_log_no_secret_token_or_signature(
    algorithm: str, caplog: pytest.LogCaptureFixture
) -> None:
    signatures: list[str] = []

    async def refuse(request: httpx.Request) -> httpx.Response:
        signature = request.url.params.get("Signature") or request.headers["Authorization"].rsplit("=", 1)[1]
        signatures.append(signature)
        body = {"Code": "SignatureDoesNotMatch", "Message": "bad signature", "RequestId": "R"}
        return httpx.Response(400, json=body)

    caplog.set_level(logging.DEBUG)
    client = FlowLogClient(
        StaticCredentialsProvider.from_keys("AKID", SECRET, TOKEN),
        CloudSettings(vpc_endpoint="https://vpc.example.test", signature_algorithm=algorithm),
        transport=httpx.MockTransport(refuse),
    )
    async with client:
        with pytest.raises(TerminalCloudError) as caught:
            await client.delete_flow_log(DeleteFlowLogRequest(region_id="r", flow_log_id="fl-1"))
    everything = caplog.text + str(caught.value) + repr(caught.value) + repr(client)
    assert caplog.records  # httpx did log the request line
    for secret in (SECRET, TOKEN, *signatures):
        assert secret not in everything


async def test_sts_url_with_oidc_token_is_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "token").write_text("oidc-jwt-material")

    async def sts(request: httpx.Request) -> httpx.Response:
        issued = {
            "AccessKeyId": "STS.x",
            "AccessKeySecret": SECRET,
            "SecurityToken": TOKEN,
            "Expiration": "2999-01-01T00:00:00Z",
        }
        return httpx.Response(200, json={"Credentials": issued})

    caplog.set_level(logging.DEBUG)
    provider = OidcRoleCredentialsProvider(
        role_arn="r",
        oidc_provider_arn="p",
        token_file=tmp_path / "token",
        sts_endpoint=httpx.URL("https://sts.example.test/"),
        transport=httpx.MockTransport(sts),
    )
    credentials = await provider.get()
    await provider.aclose()
    assert "HTTP Request" in caplog.text
    for secret in ("oidc-jwt-material", SECRET, TOKEN):
        assert secret not in caplog.text
        assert secret not in repr(credentials)
        assert secret not in repr(provider)


async def test_unreadable_sts_answer_does_not_echo_the_body(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("jwt")

    async def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"Credentials": {"AccessKeySecret": SECRET}})

    provider = OidcRoleCredentialsProvider(
        role_arn="r",
        oidc_provider_arn="p",
        token_file=tmp_path / "token",
        sts_endpoint=httpx.URL("https://sts.example.test/"),
        transport=httpx.MockTransport(broken),
    )
    with pytest.raises(Exception) as caught:  # noqa: PT011
        await provider.get()
    await provider.aclose()
    assert SECRET not in str(caught.value) + repr(caught.value)
