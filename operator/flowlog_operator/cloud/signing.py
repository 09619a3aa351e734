"""Request signing for the Alibaba Cloud RPC-style (POP) API: pure functions plus one `httpx.Auth`.

Two schemes, as the official Python SDK implements them (reference §2.3-2.5):

- **V3 `ACS3-HMAC-SHA256`** (default). Business parameters stay in the query string, the body is empty,
  the action, version, date and nonce travel in ``x-acs-*`` headers, and an ``Authorization`` header
  signs the method, path, query, the signed headers and the body hash. An STS token is sent (and
  signed) as ``x-acs-security-token``.
- **Legacy RPC `HMAC-SHA1`** (``SignatureVersion=1.0``, "v2" in the SDK's settings). The common
  parameters (``Action``, ``Version``, ``Timestamp``, ``SignatureNonce`` ...) join the business ones in
  the query, and ``Signature`` is an HMAC-SHA1 over the sorted, percent-encoded parameters. An STS token
  is the ``SecurityToken`` parameter.

`AlibabaRpcAuth` signs inside httpx's auth flow, so every attempt (every retry) gets a fresh nonce and
timestamp. The client describes the call with ``x-acs-action``/``x-acs-version`` headers and the
business parameters in the query; the v2 signer moves action and version into the parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import httpx

from flowlog_operator.cloud.redaction import remember_secrets

if TYPE_CHECKING:
    from flowlog_operator.cloud.credentials import Credentials, CredentialsProvider

__all__ = [
    "EMPTY_BODY_SHA256",
    "V3_ALGORITHM",
    "AlibabaRpcAuth",
    "SignatureAlgorithm",
    "canonical_headers",
    "canonical_query_string",
    "format_timestamp",
    "new_nonce",
    "percent_encode",
    "rpc_signature",
    "rpc_string_to_sign",
    "sha256_hex",
    "v3_authorization",
    "v3_canonical_request",
    "v3_signature",
    "v3_string_to_sign",
]

SignatureAlgorithm = Literal["v3", "v2"]
V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: only ``A-Z a-z 0-9 - _ . ~`` stay literal; space is %20, ``*`` is %2A."""
    return quote(value, safe="-_.~", encoding="utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_query_string(params: Iterable[tuple[str, str]]) -> str:
    """Sorted (byte order of the names) ``enc(name)=enc(value)`` pairs joined with ``&``."""
    pairs = sorted((percent_encode(name), percent_encode(value)) for name, value in params)
    return "&".join(f"{name}={value}" for name, value in pairs)


def canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(CanonicalHeaders, SignedHeaders) for the given headers, all of which are signed.

    Names are lower-cased and values trimmed; repeated names become one line with sorted values.
    """
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value.strip())
    names = sorted(grouped)
    lines = "".join(f"{name}:{','.join(sorted(grouped[name]))}\n" for name in names)
    return lines, ";".join(names)


def v3_canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
    payload_hash: str,
) -> tuple[str, str]:
    """(CanonicalRequest, SignedHeaders) of the V3 scheme (reference §2.5 steps 2-5)."""
    header_lines, signed_headers = canonical_headers(headers)
    canonical = "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query_string(query),
            header_lines,
            signed_headers,
            payload_hash,
        ]
    )
    return canonical, signed_headers


def v3_string_to_sign(canonical_request: str) -> str:
    return f"{V3_ALGORITHM}\n{sha256_hex(canonical_request.encode('utf-8'))}"


def v3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def v3_authorization(
    *,
    access_key_id: str,
    access_key_secret: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
    payload_hash: str,
) -> str:
    """The ``Authorization`` header value of the V3 scheme over exactly the headers given."""
    canonical, signed_headers = v3_canonical_request(method, path, query, headers, payload_hash)
    signature = v3_signature(access_key_secret, v3_string_to_sign(canonical))
    return f"{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&enc(canonical query)`` over every parameter except ``Signature``."""
    query = canonical_query_string((k, v) for k, v in params.items() if k != "Signature")
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(query)}"


def rpc_signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Base64 HMAC-SHA1 keyed with ``secret + "&"`` (reference §2.4)."""
    digest = hmac.new(
        f"{secret}&".encode(), rpc_string_to_sign(method, params).encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def format_timestamp(moment: datetime) -> str:
    """UTC ``YYYY-MM-DDThh:mm:ssZ``, the format of ``x-acs-date`` and ``Timestamp``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    """32 random hex characters, like the SDK's nonce."""
    return secrets.token_hex(16)


def _utc_now() -> datetime:
    return datetime.now(UTC)


_ACTION_HEADER = "x-acs-action"
_VERSION_HEADER = "x-acs-version"
# Headers added by the signer; a re-signed request drops stale copies first.
_SIGNER_HEADERS = (
    "authorization",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
    "x-acs-accesskey-id",
    "x-acs-credentials-provider",
)
_V2_COMMON_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
        "SecurityToken",
        "Signature",
    }
)


class AlibabaRpcAuth(httpx.Auth):
    """Signs an RPC-style request with credentials fetched from a provider on every attempt."""

    def __init__(
        self,
        credentials: CredentialsProvider,
        *,
        algorithm: SignatureAlgorithm = "v3",
        clock: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        if algorithm not in ("v3", "v2"):
            raise ValueError(f"unknown signature algorithm {algorithm!r}; expected 'v3' or 'v2'")
        self._credentials = credentials
        self.algorithm: SignatureAlgorithm = algorithm
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"{type(self).__name__}(algorithm={self.algorithm!r})"

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        credentials = await self._credentials.get()
        # Whatever signs a request may be echoed in the answer: from now on, mask it everywhere.
        remember_secrets(
            credentials.access_key_id,
            credentials.access_key_secret.get_secret_value(),
            credentials.security_token_value(),
        )
        self.sign(request, credentials)
        yield request

    def sign(self, request: httpx.Request, credentials: Credentials) -> None:
        """Sign ``request`` in place (synchronous and pure but for the clock and nonce)."""
        if self.algorithm == "v3":
            self._sign_v3(request, credentials)
        else:
            self._sign_v2(request, credentials)

    def _sign_v3(self, request: httpx.Request, credentials: Credentials) -> None:
        for name in _SIGNER_HEADERS:
            request.headers.pop(name, None)
        body = request.content
        payload_hash = sha256_hex(body)
        request.headers["x-acs-date"] = format_timestamp(self._clock())
        request.headers["x-acs-signature-nonce"] = self._nonce()
        request.headers["x-acs-content-sha256"] = payload_hash
        request.headers["x-acs-credentials-provider"] = credentials.provider_name
        token = credentials.security_token_value()
        if token is not None:
            request.headers["x-acs-accesskey-id"] = credentials.access_key_id
            request.headers["x-acs-security-token"] = token
        # Sign what the gateway requires (host, every x-acs-*, content-type when there is a body).
        signed = [
            (name, value)
            for name, value in request.headers.multi_items()
            if name.lower() == "host"
            or name.lower().startswith("x-acs-")
            or (body and name == "content-type")
        ]
        request.headers["Authorization"] = v3_authorization(
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret.get_secret_value(),
            method=request.method,
            path=request.url.path,
            query=request.url.params.multi_items(),
            headers=signed,
            payload_hash=payload_hash,
        )

    def _sign_v2(self, request: httpx.Request, credentials: Credentials) -> None:
        action = request.headers.pop(_ACTION_HEADER, None)
        version = request.headers.pop(_VERSION_HEADER, None)
        for name in _SIGNER_HEADERS:
            request.headers.pop(name, None)
        params = {k: v for k, v in request.url.params.multi_items() if k not in _V2_COMMON_PARAMS}
        if action is None or version is None:
            raise ValueError("an RPC request needs the x-acs-action and x-acs-version headers to be signed")
        params.update(
            {
                "Action": action,
                "Version": version,
                "Format": "json",
                "AccessKeyId": credentials.access_key_id,
                "SignatureMethod": "HMAC-SHA1",
                "SignatureVersion": "1.0",
                "SignatureNonce": self._nonce(),
                "Timestamp": format_timestamp(self._clock()),
            }
        )
        token = credentials.security_token_value()
        if token is not None:
            params["SecurityToken"] = token
        params["Signature"] = rpc_signature(
            credentials.access_key_secret.get_secret_value(), request.method, params
        )
        request.url = request.url.copy_with(params=params)
