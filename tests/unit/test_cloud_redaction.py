"""Credentials never leave the cloud package: every form of them is masked in error messages and logs.

A gateway refusing a signature echoes what it signed (AccessKeyId, STS token). These tests pin each
form a credential can take in such an echo, that ordinary messages keep every word, that the errors
stay useful (code, hint, the non-secret part of the echo), and that refreshed credentials are masked
from their first use.
"""

from __future__ import annotations

import io
import logging
import traceback
from urllib.parse import quote, quote_plus

import httpx
import pytest
from pydantic import SecretStr

from flowlog_operator.cloud import (
    CloudSettings,
    Credentials,
    DescribeFlowLogsRequest,
    FlowLogClient,
    StaticCredentialsProvider,
    TerminalCloudError,
)
from flowlog_operator.cloud.errors import CloudError, error_from_response
from flowlog_operator.cloud.port import CloudPort
from flowlog_operator.cloud.redaction import (
    MASK,
    SecretRedactingFilter,
    install_log_redaction,
    redact,
    remember_secrets,
    secrets_in_request,
)
from flowlog_operator.cloud.signing import percent_encode
from flowlog_operator.core.ports import CloudCallError

KEY_ID = "LTAI5tRedactKeyId0000001"
SECRET = "RedactSecretMaterial00000000001"
# A real STS token is base64: it has characters that URL encoding changes.
TOKEN = "CAIS+Redact/Token=Material+With/Slashes=="
OIDC = "eyJhbGciOiJSUzI1NiJ9.redact-oidc-payload.signature-part"
SIGNATURE = "8f1c0ffee2b7d1e3a9c4f5e6d7b8a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"


def _leaks(text: str, *secrets: str) -> list[str]:
    return [secret for secret in secrets if secret in text]


@pytest.mark.parametrize(
    "text",
    [
        f"GET /?AccessKeyId={KEY_ID}&Action=X",
        f"GET /?Action=X&SecurityToken={quote(TOKEN, safe='')}&Format=json",
        f"GET /?OIDCToken={OIDC}&RoleArn=acs:ram::1:role/r",
        f"GET /?Signature={quote(SIGNATURE)}&Action=X",
        f"AccessKeySecret={SECRET}",
        f"POST&%2F&AccessKeyId%3D{KEY_ID}%26Action%3DX%26SecurityToken%3D{percent_encode(TOKEN)}%26Version%3D1",
        f"echo%3FSecurityToken%253D{percent_encode(percent_encode(TOKEN))}%2526Action%253DX",
        f'{{"AccessKeyId": "{KEY_ID}", "AccessKeySecret": "{SECRET}", "SecurityToken": "{TOKEN}"}}',
        f"{{'SecurityToken': '{TOKEN}'}}",
        f"POST\nhost:h\nx-acs-accesskey-id:{KEY_ID}\nx-acs-security-token:{TOKEN}\nx-acs-version:1\n",
        repr(f"POST\nx-acs-accesskey-id:{KEY_ID}\nx-acs-security-token:{TOKEN}\n"),
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=host;x-acs-date,Signature={SIGNATURE}",
    ],
    ids=[
        "query-id",
        "query-token-encoded",
        "query-oidc",
        "query-signature",
        "secret-parameter",
        "v2-string-to-sign",
        "twice-encoded",
        "json",
        "python-repr-dict",
        "v3-canonical-headers",
        "v3-canonical-request-repr",
        "acs3-authorization",
    ],
)
def test_a_credential_introduced_by_its_name_is_masked_in_every_wire_and_echo_form(text: str) -> None:
    # None of these values was remembered: the name alone is enough.
    encoded = (percent_encode(TOKEN), percent_encode(percent_encode(TOKEN)), quote(TOKEN, safe=""))
    cleaned = redact(text)
    assert not _leaks(cleaned, KEY_ID, SECRET, TOKEN, OIDC, SIGNATURE, *encoded)
    assert MASK in cleaned


def test_a_remembered_credential_is_masked_bare_and_in_each_url_encoding() -> None:
    key_id, secret, token = "LTAI5tRememberedKey00002", "RememberedSecret0000000002", TOKEN + "2/+"
    remember_secrets(key_id, secret, token)
    forms = [token, percent_encode(token), percent_encode(percent_encode(token)), quote_plus(token)]
    text = f"key {key_id} with secret {secret} used token " + " and ".join(forms)
    cleaned = redact(text)
    assert not _leaks(cleaned, key_id, secret, *forms)
    assert cleaned.startswith("key *** with secret *** used token ***")


def test_values_a_request_carried_are_masked_even_if_never_remembered() -> None:
    token = "CAISCarriedOnlyByTheRequest0003"
    request = httpx.Request(
        "POST",
        "https://vpc.example.test/",
        params={"Action": "X", "SecurityToken": token, "Signature": "c2lnbmF0dXJlMDAwMDAz"},
        headers={"x-acs-accesskey-id": "STS.CarriedKeyId000000003"},
    )
    carried = secrets_in_request(request)
    assert set(carried) == {token, "c2lnbmF0dXJlMDAwMDAz", "STS.CarriedKeyId000000003"}
    assert redact(f"bad token {token} for STS.CarriedKeyId000000003", carried) == "bad token *** for ***"


@pytest.mark.parametrize(
    "message",
    [
        "The specified project or logstore does not exist.",
        "This resourceId already has flowlog instance existed.",
        "The SignatureNonce '7ee99cd0f0d10cae0e15d3b81b5a9bcf' has been used already.",
        "SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=abc&Timestamp=2024-01-01T00%3A00%3A00Z",
        "x-acs-signature-nonce:abc\nx-acs-credentials-provider:static_sts\nhost;x-acs-accesskey-id;x-acs-date",
        "https://error-center.aliyun.com/status/search?Keyword=SignatureDoesNotMatch&source=PopGw",
        '{"Credentials": {"Expiration": "2030-01-01T00:00:00Z"}}',
        "",
    ],
)
def test_ordinary_messages_keep_every_word(message: str) -> None:
    assert redact(message) == message


def test_a_value_too_short_to_be_a_real_credential_is_masked_by_name_only() -> None:
    remember_secrets("emulator", "short")
    assert redact("the emulator refused it") == "the emulator refused it"
    assert redact("AccessKeyId=emulator&Action=X") == "AccessKeyId=***&Action=X"


def _refused(message: str, request: httpx.Request | None = None) -> CloudError:
    body = {"Code": "SignatureDoesNotMatch", "Message": message, "RequestId": "REQ-1"}
    response = httpx.Response(400, json=body, request=request)
    return error_from_response(response, action="DescribeFlowLogs")


def test_signature_refusal_names_its_code_leads_with_a_hint_and_keeps_the_harmless_echo() -> None:
    to_sign = f"POST&%2F&AccessKeyId%3D{KEY_ID}%26Action%3DDescribeFlowLogs%26SecurityToken%3D{TOKEN}"
    error = _refused(
        f"Specified signature is not matched with our calculation. The string to sign was: {to_sign!r}."
    )
    assert isinstance(error, TerminalCloudError)
    assert error.code == "SignatureDoesNotMatch"
    assert error.message.startswith("The signature did not match: check the AccessKey secret. Specified")
    assert "AccessKeyId%3D***%26Action%3DDescribeFlowLogs%26SecurityToken%3D***" in error.message
    for text in (str(error), repr(error), error.message, *map(str, error.args)):
        assert not _leaks(text, KEY_ID, TOKEN)
    assert str(error).startswith("DescribeFlowLogs: SignatureDoesNotMatch: The signature did not match")
    assert "RequestId REQ-1" in str(error)


def test_every_cloud_error_is_redacted_when_made_whoever_makes_it() -> None:
    error = CloudError(
        f"x-acs-security-token:{TOKEN}", code="X", recommend=f"https://h/?SecurityToken={TOKEN}"
    )
    assert TOKEN not in error.message + str(error.recommend) + str(error) + repr(error)


class _RotatingCredentials:
    """A provider that hands out new STS credentials on every call, like an RRSA refresh."""

    def __init__(self) -> None:
        self.issued: list[Credentials] = []

    async def get(self) -> Credentials:
        n = len(self.issued)
        credentials = Credentials(
            access_key_id=f"STS.RotatedKeyId{n:010d}",
            access_key_secret=SecretStr(f"RotatedSecret{n:016d}"),
            security_token=SecretStr(f"CAISRotatedToken{n:020d}"),
            provider_name="oidc_role_arn",
        )
        self.issued.append(credentials)
        return credentials


async def test_credentials_refreshed_after_start_are_masked_from_their_first_request() -> None:
    async def echo_bare(request: httpx.Request) -> httpx.Response:
        # A bare echo with no name in front: only the remembered value can catch it.
        token = request.headers["x-acs-security-token"]
        body = {
            "Code": "InvalidSecurityToken.Malformed",
            "Message": f"token {token} refused",
            "RequestId": "R",
        }
        return httpx.Response(400, json=body)

    provider = _RotatingCredentials()
    client = FlowLogClient(
        provider,
        CloudSettings(vpc_endpoint="https://vpc.example.test"),
        transport=httpx.MockTransport(echo_bare),
    )
    async with client:
        for _ in range(3):
            with pytest.raises(TerminalCloudError) as caught:
                await client.describe_flow_logs(DescribeFlowLogsRequest(region_id="cn-hangzhou"))
            latest = provider.issued[-1]
            assert latest.security_token_value() not in str(caught.value)
            assert (
                caught.value.message
                == "The STS token was refused: check the security token. token *** refused"
            )


async def test_neither_the_engine_error_nor_its_traceback_chain_carries_the_token() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        echoed = f"x-acs-accesskey-id:{KEY_ID}\nx-acs-security-token:{TOKEN}"
        return httpx.Response(
            400, json={"Code": "SignatureDoesNotMatch", "Message": echoed, "RequestId": "R"}
        )

    client = FlowLogClient(
        StaticCredentialsProvider.from_keys(KEY_ID, "a-wrong-secret", TOKEN),
        CloudSettings(vpc_endpoint="https://vpc.example.test"),
        transport=httpx.MockTransport(refuse),
    )
    port = CloudPort(client)
    with pytest.raises(CloudCallError) as caught:
        await port.describe("cn-hangzhou")
    await port.aclose()
    chain = "".join(traceback.format_exception(caught.value))
    assert isinstance(caught.value.__cause__, CloudError)
    assert "SignatureDoesNotMatch" in chain
    assert not _leaks(chain + caught.value.message + repr(caught.value.__cause__), KEY_ID, TOKEN)


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    install_log_redaction(handlers=[handler])
    install_log_redaction(handlers=[handler])
    try:
        assert sum(isinstance(f, SecretRedactingFilter) for f in handler.filters) == 1
        logger.warning("call failed: %s", f"SecurityToken={TOKEN}")
        try:
            try:
                raise ValueError(f"x-acs-accesskey-id:{KEY_ID}")
            except ValueError as inner:
                raise RuntimeError(f'{{"SecurityToken": "{TOKEN}"}}') from inner
        except RuntimeError:
            logger.exception("handler failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "call failed: SecurityToken=***" in written
    assert "The above exception was the direct cause" in written
    assert not _leaks(written, KEY_ID, TOKEN)
