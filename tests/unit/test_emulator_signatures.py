"""The emulator's signature verifier reproduces the known-answer vectors of reference section 2.6."""

from __future__ import annotations

import hashlib

import pytest

from flowlog_operator.emulator import signatures
from flowlog_operator.emulator.auth import Authenticator, NonceLedger, SignedRequest
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.sts import StsRegistry
from flowlog_operator.emulator.wire import parse_iso8601

DOC_HEADERS = [
    ("host", "ecs.cn-shanghai.aliyuncs.com"),
    ("x-acs-action", "RunInstances"),
    ("x-acs-version", "2014-05-26"),
    ("x-acs-date", "2023-10-26T10:22:32Z"),
    ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    ("x-acs-content-sha256", signatures.EMPTY_BODY_SHA256),
]
DOC_QUERY = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
DOC_SIGNED = [name for name, _ in DOC_HEADERS]
DOC_SIGNATURE = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"


def doc_authorization(signature: str = DOC_SIGNATURE) -> str:
    signed = ";".join(DOC_SIGNED)
    return f"ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders={signed},Signature={signature}"


def test_v3_official_doc_example_canonical_request_hash_and_signature() -> None:
    canonical = signatures.v3_canonical_request(
        "POST", "/", DOC_QUERY, DOC_HEADERS, DOC_SIGNED, signatures.EMPTY_BODY_SHA256
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    )
    assert signatures.v3_signature(canonical, "YourAccessKeySecret") == DOC_SIGNATURE


def test_rpc_signature_matches_the_sdk_unit_test_vector() -> None:
    assert signatures.rpc_signature("GET", {"query": "test", "body": "test"}, "secret") == (
        "XlUyV4sXjOuX5FnjUz9IF9tm5rU="
    )


def test_v3_signature_matches_the_sdk_authorization_vector_with_repeated_headers() -> None:
    headers = [("x-acs-test", "http"), ("x-acs-TEST", "https")]
    canonical = signatures.v3_canonical_request(
        "GET",
        "",
        {"test": "ok", "empty": ""},
        headers,
        ["x-acs-test"],
        "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
    )
    assert signatures.v3_signature(canonical, "secret") == (
        "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    )


def test_authorization_header_is_parsed_into_its_parts() -> None:
    parsed = signatures.parse_v3_authorization(doc_authorization())
    assert parsed is not None
    assert (parsed.access_key_id, parsed.signed_headers, parsed.signature) == (
        "YourAccessKeyId",
        tuple(DOC_SIGNED),
        DOC_SIGNATURE,
    )
    assert signatures.parse_v3_authorization("ACS3-HMAC-SHA256 Credential=x") is None


def test_percent_encoding_follows_rfc3986_not_form_rules() -> None:
    assert signatures.percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def doc_request(
    *, signature: str = DOC_SIGNATURE, extra_headers: tuple[tuple[str, str], ...] = ()
) -> SignedRequest:
    authorization = doc_authorization(signature)
    return SignedRequest(
        method="POST",
        path="/",
        query=DOC_QUERY,
        params=DOC_QUERY,
        headers=[*DOC_HEADERS, *extra_headers, ("Authorization", authorization)],
        body=b"",
    )


def doc_authenticator() -> Authenticator:
    doc_time = parse_iso8601("2023-10-26T10:22:32Z")
    assert doc_time is not None
    return Authenticator(
        {"YourAccessKeyId": "YourAccessKeySecret"}, StsRegistry(), clock=lambda: doc_time + 60
    )


def test_the_authenticator_accepts_the_doc_request_once_and_refuses_its_replay() -> None:
    authenticator = doc_authenticator()
    principal = authenticator.authenticate(doc_request())
    assert (principal.access_key_id, principal.scheme, principal.via_sts) == ("YourAccessKeyId", "v3", False)
    with pytest.raises(ApiError) as replay:
        authenticator.authenticate(doc_request())
    assert replay.value.code == "SignatureNonceUsed"


def test_unsigned_headers_do_not_change_the_verdict_but_signed_ones_do() -> None:
    doc_authenticator().authenticate(doc_request(extra_headers=(("user-agent", "anything"),)))
    tampered = [(n, "ecs.cn-beijing.aliyuncs.com" if n == "host" else v) for n, v in DOC_HEADERS]
    request = doc_request()
    request = SignedRequest("POST", "/", DOC_QUERY, DOC_QUERY, [*tampered, request.headers[-1]], b"")
    with pytest.raises(ApiError) as refused:
        doc_authenticator().authenticate(request)
    assert refused.value.code == "SignatureDoesNotMatch"


def test_a_body_that_does_not_match_its_declared_hash_is_refused() -> None:
    request = doc_request()
    tampered = SignedRequest("POST", "/", DOC_QUERY, DOC_QUERY, list(request.headers), b"RegionId=cn-beijing")
    with pytest.raises(ApiError) as refused:
        doc_authenticator().authenticate(tampered)
    assert refused.value.code == "SignatureDoesNotMatch"


def test_a_nonce_is_forgotten_only_after_the_replay_window() -> None:
    ledger = NonceLedger(window_seconds=100)
    assert ledger.spend("n", now=0)
    assert not ledger.spend("n", now=99)
    assert ledger.spend("n", now=200)
