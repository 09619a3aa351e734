"""A small, independent signer for tests: RPC HMAC-SHA1 and V3 ACS3-HMAC-SHA256 requests by hand.

Independent of both the operator's client and the emulator's verifier, so a test
can craft exactly the request it needs (old timestamps, replayed nonces, form
bodies) and send it with httpx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

VPC_VERSION = "2016-04-28"
DEFAULT_KEY_ID, DEFAULT_SECRET = "emulator", "emulator-secret"


def _encode(text: str) -> str:
    return quote(text, safe="~")


def utc_timestamp(offset_seconds: float = 0.0) -> str:
    moment = datetime.now(tz=UTC).timestamp() + offset_seconds
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&%2F&{_encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class RawCaller:
    """Signs and sends one API call; every knob a negative test needs is a keyword."""

    def __init__(self, url: str, access_key_id: str = DEFAULT_KEY_ID, secret: str = DEFAULT_SECRET) -> None:
        self.url = url.rstrip("/")
        self.access_key_id = access_key_id
        self.secret = secret
        self.http = httpx.Client(timeout=10.0)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RawCaller:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def rpc(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        method: str = "POST",
        form_body: bool = False,
        version: str = VPC_VERSION,
        path: str = "/",
        timestamp: str | None = None,
        nonce: str | None = None,
        security_token: str | None = None,
        access_key_id: str | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """Legacy HMAC-SHA1; with ``form_body`` the business parameters travel in the body (Terraform)."""
        common = {
            "Action": action,
            "Version": version,
            "Format": "JSON",
            "AccessKeyId": access_key_id or self.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "Timestamp": timestamp or utc_timestamp(),
        }
        if security_token:
            common["SecurityToken"] = security_token
        business = {k: str(v) for k, v in (params or {}).items()}
        common["Signature"] = rpc_signature(method, {**common, **business}, secret or self.secret)
        if form_body:
            return self.http.request(
                method,
                f"{self.url}{path}?{urlencode(common)}",
                content=urlencode(business).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        return self.http.request(method, f"{self.url}{path}?{urlencode({**common, **business})}")

    def v3(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        method: str = "POST",
        version: str = VPC_VERSION,
        timestamp: str | None = None,
        nonce: str | None = None,
        security_token: str | None = None,
        access_key_id: str | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """ACS3-HMAC-SHA256 with every parameter in the query and an empty body, as the SDK sends."""
        query = {k: str(v) for k, v in (params or {}).items()}
        host = self.url.split("://", 1)[1]
        headers = {
            "host": host,
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": timestamp or utc_timestamp(),
            "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
            "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
        }
        if security_token:
            headers["x-acs-security-token"] = security_token
        signed = sorted(headers)
        canonical = "\n".join(
            [
                method,
                "/",
                "&".join(f"{_encode(k)}={_encode(query[k])}" for k in sorted(query)),
                "".join(f"{name}:{headers[name].strip()}\n" for name in signed),
                ";".join(signed),
                headers["x-acs-content-sha256"],
            ]
        )
        to_sign = f"ACS3-HMAC-SHA256\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new((secret or self.secret).encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"ACS3-HMAC-SHA256 Credential={access_key_id or self.access_key_id},"
            f"SignedHeaders={';'.join(signed)},Signature={signature}"
        )
        return self.http.request(method, f"{self.url}/?{urlencode(query)}", headers=headers)

    def call(self, action: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """An RPC call that must succeed; returns the JSON body."""
        response = self.rpc(action, params, **kwargs)
        if response.status_code != 200:
            raise AssertionError(f"{action} failed: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body
