"""Signing matches the official SDK byte for byte: known answers, canonical forms, and the Auth flow."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

import httpx
import pytest

from flowlog_operator.cloud.credentials import StaticCredentialsProvider
from flowlog_operator.cloud.signing import (
    EMPTY_BODY_SHA256,
    AlibabaRpcAuth,
    canonical_headers,
    canonical_query_string,
    percent_encode,
    rpc_signature,
    rpc_string_to_sign,
    sha256_hex,
    v3_authorization,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)

# --- known answers (reference §2.6) -----------------------------------------------------------------

DOC_QUERY = [
    ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
    ("RegionId", "cn-shanghai"),
]
DOC_HEADERS = [
    ("host", "ecs.cn-shanghai.aliyuncs.com"),
    ("x-acs-action", "RunInstances"),
    ("x-acs-version", "2014-05-26"),
    ("x-acs-date", "2023-10-26T10:22:32Z"),
    ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    ("x-acs-content-sha256", EMPTY_BODY_SHA256),
]


def test_v3_official_doc_example_canonical_request_hash() -> None:
    canonical, signed = v3_canonical_request("POST", "/", DOC_QUERY, DOC_HEADERS, EMPTY_BODY_SHA256)
    expected_hash = "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    assert sha256_hex(canonical.encode()) == expected_hash
    assert signed == "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"


def test_v3_official_doc_example_authorization() -> None:
    authorization = v3_authorization(
        access_key_id="YourAccessKeyId",
        access_key_secret="YourAccessKeySecret",
        method="POST",
        path="/",
        query=DOC_QUERY,
        headers=DOC_HEADERS,
        payload_hash=EMPTY_BODY_SHA256,
    )
    assert authorization == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_rpc_hmac_sha1_sdk_unit_test_vector() -> None:
    assert rpc_signature("secret", "GET", {"query": "test", "body": "test"}) == "XlUyV4sXjOuX5FnjUz9IF9tm5rU="


def test_v3_sdk_unit_test_vector_with_empty_value_and_repeated_header() -> None:
    authorization = v3_authorization(
        access_key_id="acesskey",
        access_key_secret="secret",
        method="GET",
        path="",
        query=[("test", "ok"), ("empty", "")],
        headers=[("x-acs-test", "http"), ("x-acs-TEST", "https")],
        payload_hash="55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
    )
    assert authorization == (
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,"
        "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    )


def test_empty_body_hash_constant_is_sha256_of_nothing() -> None:
    assert hashlib.sha256(b"").hexdigest() == EMPTY_BODY_SHA256


# --- canonical forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a b", "a%20b"),
        ("a*b", "a%2Ab"),
        ("a~b", "a~b"),
        ("a+b", "a%2Bb"),
        ("-_.", "-_."),
        ("a/b=c&d", "a%2Fb%3Dc%26d"),
        ("中", "%E4%B8%AD"),
        ("é", "%C3%A9"),
    ],
)
def test_percent_encoding_follows_rfc_3986(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def test_canonical_query_sorts_by_byte_order_and_keeps_empty_values() -> None:
    params = [("b", "2"), ("B", "1"), ("a", ""), ("Tag.10.Key", "x"), ("Tag.2.Key", "y")]
    assert canonical_query_string(params) == "B=1&Tag.10.Key=x&Tag.2.Key=y&a=&b=2"


def test_canonical_headers_lowercase_trim_and_join_repeated_values_sorted() -> None:
    lines, signed = canonical_headers([("X-Acs-B", " 2 "), ("x-acs-a", "z"), ("X-ACS-A", "y")])
    assert lines == "x-acs-a:y,z\nx-acs-b:2\n"
    assert signed == "x-acs-a;x-acs-b"


def test_rpc_string_to_sign_double_encodes_and_ignores_signature() -> None:
    text = rpc_string_to_sign("post", {"Name": "a b*", "Signature": "ignored"})
    assert text == "POST&%2F&Name%3Da%2520b%252A"


def test_v3_signature_is_lowercase_hex_hmac_sha256() -> None:
    signature = v3_signature("k", v3_string_to_sign("x"))
    assert len(signature) == 64
    assert signature == signature.lower()


# --- the Auth flow -------------------------------------------------------------------------------------

FIXED_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _nonces() -> Callable[[], str]:
    counter = count(1)
    return lambda: f"{next(counter):032x}"


def _request(params: dict[str, str] | None = None) -> httpx.Request:
    return httpx.Request(
        "POST",
        "https://vpc.aliyuncs.com/",
        params=params or {"RegionId": "cn-hangzhou", "Description": "a b*~"},
        headers={"x-acs-action": "DescribeFlowLogs", "x-acs-version": "2016-04-28"},
    )


async def _signed(auth: AlibabaRpcAuth, request: httpx.Request) -> httpx.Request:
    flow = auth.async_auth_flow(request)
    signed = await flow.__anext__()
    await flow.aclose()
    return signed


async def test_v3_auth_sends_sdk_headers_and_a_verifiable_signature() -> None:
    provider = StaticCredentialsProvider.from_keys("AKID", "SECRET")
    auth = AlibabaRpcAuth(provider, clock=lambda: FIXED_TIME, nonce=_nonces())
    request = await _signed(auth, _request())

    assert request.headers["x-acs-date"] == "2024-05-01T12:00:00Z"
    assert request.headers["x-acs-signature-nonce"] == f"{1:032x}"
    assert request.headers["x-acs-content-sha256"] == EMPTY_BODY_SHA256
    assert request.headers["x-acs-credentials-provider"] == "static_ak"
    assert "x-acs-security-token" not in request.headers
    assert request.content == b""
    assert request.url.params["Description"] == "a b*~"
    # Recompute independently from what is on the wire.
    signed_names = ["host", *sorted(name for name in request.headers if name.startswith("x-acs-"))]
    expected = v3_authorization(
        access_key_id="AKID",
        access_key_secret="SECRET",
        method="POST",
        path="/",
        query=request.url.params.multi_items(),
        headers=[(name, request.headers[name]) for name in signed_names],
        payload_hash=EMPTY_BODY_SHA256,
    )
    assert request.headers["Authorization"] == expected
    assert f"SignedHeaders={';'.join(sorted(signed_names))}," in expected


async def test_v3_auth_sends_and_signs_the_sts_token() -> None:
    provider = StaticCredentialsProvider.from_keys("STS.ID", "SECRET", "TOKEN-VALUE")
    request = await _signed(AlibabaRpcAuth(provider), _request())
    assert request.headers["x-acs-security-token"] == "TOKEN-VALUE"
    assert request.headers["x-acs-accesskey-id"] == "STS.ID"
    assert request.headers["x-acs-credentials-provider"] == "static_sts"
    assert "x-acs-security-token" in request.headers["Authorization"]


async def test_each_signing_uses_a_fresh_nonce_and_replaces_the_old_signature() -> None:
    provider = StaticCredentialsProvider.from_keys("AKID", "SECRET")
    auth = AlibabaRpcAuth(provider)
    request = _request()
    first = (await _signed(auth, request)).headers["Authorization"]
    first_nonce = request.headers["x-acs-signature-nonce"]
    second = (await _signed(auth, request)).headers["Authorization"]
    assert request.headers["x-acs-signature-nonce"] != first_nonce
    assert first != second
    assert len(request.headers.get_list("authorization")) == 1


async def test_v2_auth_moves_action_into_params_and_signs_with_hmac_sha1() -> None:
    provider = StaticCredentialsProvider.from_keys("AKID", "SECRET", "TOKEN-VALUE")
    auth = AlibabaRpcAuth(provider, algorithm="v2", clock=lambda: FIXED_TIME, nonce=lambda: "nonce-1")
    request = await _signed(auth, _request())

    params = dict(request.url.params.multi_items())
    assert "x-acs-action" not in request.headers
    assert "authorization" not in request.headers
    assert params["Action"] == "DescribeFlowLogs"
    assert params["Version"] == "2016-04-28"
    assert params["SignatureMethod"] == "HMAC-SHA1"
    assert params["SignatureVersion"] == "1.0"
    assert params["SignatureNonce"] == "nonce-1"
    assert params["Timestamp"] == "2024-05-01T12:00:00Z"
    assert params["SecurityToken"] == "TOKEN-VALUE"
    assert params["AccessKeyId"] == "AKID"
    assert params["Description"] == "a b*~"
    assert params["Signature"] == rpc_signature("SECRET", "POST", params)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown signature algorithm"):
        AlibabaRpcAuth(StaticCredentialsProvider.from_keys("a", "b"), algorithm="v4")  # type: ignore[arg-type]
