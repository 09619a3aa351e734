"""Request authentication: V3 ``ACS3-HMAC-SHA256`` or legacy RPC HMAC-SHA1, plus STS tokens.

Checks run in the gateway's order: the access key must exist, the timestamp must
be well formed and within the allowed skew, the signature must match, the STS
token must belong to the key and be unexpired, and only then is the nonce spent
(so a forged request cannot burn somebody else's nonce).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flowlog_operator.emulator import signatures
from flowlog_operator.emulator.errors import ApiError
from flowlog_operator.emulator.sts import StsRegistry
from flowlog_operator.emulator.wire import parse_iso8601


@dataclass(frozen=True)
class SignedRequest:
    """What authentication needs to know about one HTTP request."""

    method: str
    path: str
    query: Mapping[str, str]
    params: Mapping[str, str]
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


@dataclass(frozen=True)
class Principal:
    access_key_id: str
    scheme: str  # "v3" or "rpc"
    via_sts: bool


class NonceLedger:
    """Nonces seen within the replay window, forgotten once they are older than it."""

    def __init__(self, window_seconds: float) -> None:
        self._window = window_seconds
        self._seen: dict[str, float] = {}

    def spend(self, key: str, now: float) -> bool:
        """Record ``key``; ``False`` when it was already spent inside the window."""
        if len(self._seen) > 10_000:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self._window}
        seen_at = self._seen.get(key)
        if seen_at is not None and now - seen_at < self._window:
            return False
        self._seen[key] = now
        return True


class Authenticator:
    def __init__(
        self,
        static_keys: Mapping[str, str],
        sts: StsRegistry,
        clock: Callable[[], float],
        max_skew_seconds: float = 900.0,
    ) -> None:
        self._static_keys = static_keys
        self._sts = sts
        self._clock = clock
        self._max_skew = max_skew_seconds
        self._nonces = NonceLedger(window_seconds=2 * max_skew_seconds + 60)

    def authenticate(self, request: SignedRequest) -> Principal:
        authorization = request.header("Authorization")
        if authorization and authorization.strip().startswith("ACS3-"):
            return self._verify_v3(request, authorization)
        return self._verify_rpc(request)

    def _secret_for(self, access_key_id: str) -> str:
        secret = self._static_keys.get(access_key_id)
        if secret is None:
            issued = self._sts.lookup(access_key_id)
            secret = issued.access_key_secret if issued else None
        if secret is None:
            raise ApiError("InvalidAccessKeyId.NotFound", f"AccessKeyId {access_key_id!r} is not found.")
        return secret

    def _check_timestamp(self, value: str | None, name: str) -> None:
        if value is None:
            raise ApiError("MissingParameter", f"The input parameter {name} is not supplied.")
        stamp = parse_iso8601(value)
        if stamp is None:
            raise ApiError("InvalidTimeStamp.Format", f"{name} {value!r} is not YYYY-MM-DDThh:mm:ssZ.")
        if abs(self._clock() - stamp) > self._max_skew:
            raise ApiError("InvalidTimeStamp.Expired", f"{name} {value!r} is more than 15 minutes off.")

    def _check_token(self, access_key_id: str, token: str | None) -> bool:
        issued = self._sts.lookup(access_key_id)
        if issued is None:
            if token:
                raise ApiError(
                    "InvalidSecurityToken.Malformed", "A SecurityToken was sent with a long-term key."
                )
            return False
        if not token or not signatures.constant_time_equal(token, issued.security_token):
            raise ApiError(
                "InvalidSecurityToken.Malformed", "The SecurityToken does not match the AccessKeyId."
            )
        if issued.expires_at <= self._clock():
            raise ApiError(
                "InvalidSecurityToken.Expired", f"The SecurityToken expired at {issued.expiration}."
            )
        return True

    def _spend_nonce(self, access_key_id: str, nonce: str) -> None:
        if not self._nonces.spend(f"{access_key_id}\n{nonce}", self._clock()):
            raise ApiError("SignatureNonceUsed", f"The SignatureNonce {nonce!r} has been used already.")

    def _verify_v3(self, request: SignedRequest, authorization: str) -> Principal:
        parsed = signatures.parse_v3_authorization(authorization)
        if parsed is None:
            raise ApiError("IncompleteSignature", "The Authorization header is malformed.")
        if parsed.algorithm != signatures.V3_ALGORITHM:
            raise ApiError("InvalidSignatureMethod", f"Authorization algorithm {parsed.algorithm!r}.")
        secret = self._secret_for(parsed.access_key_id)
        self._check_timestamp(request.header("x-acs-date"), "x-acs-date")
        payload_hash = request.header("x-acs-content-sha256") or signatures.EMPTY_BODY_SHA256
        if payload_hash != hashlib.sha256(request.body).hexdigest():
            raise ApiError("SignatureDoesNotMatch", "x-acs-content-sha256 does not match the request body.")
        canonical = signatures.v3_canonical_request(
            request.method, request.path, request.query, request.headers, parsed.signed_headers, payload_hash
        )
        expected = signatures.v3_signature(canonical, secret)
        if not signatures.constant_time_equal(expected, parsed.signature):
            raise ApiError("SignatureDoesNotMatch", f"The canonical request was: {canonical!r}.")
        via_sts = self._check_token(parsed.access_key_id, request.header("x-acs-security-token"))
        nonce = request.header("x-acs-signature-nonce")
        if nonce:
            self._spend_nonce(parsed.access_key_id, nonce)
        return Principal(parsed.access_key_id, "v3", via_sts)

    def _verify_rpc(self, request: SignedRequest) -> Principal:
        params = request.params
        for name in ("AccessKeyId", "Signature", "SignatureNonce"):
            if not params.get(name):
                raise ApiError("MissingParameter", f"The input parameter {name} is not supplied.")
        access_key_id = params["AccessKeyId"]
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise ApiError("InvalidSignatureMethod", f"SignatureMethod {params['SignatureMethod']!r}.")
        if params.get("SignatureVersion", "1.0") != "1.0":
            raise ApiError("IncompleteSignature", f"SignatureVersion {params['SignatureVersion']!r}.")
        secret = self._secret_for(access_key_id)
        self._check_timestamp(params.get("Timestamp"), "Timestamp")
        expected = signatures.rpc_signature(request.method, params, secret)
        if not signatures.constant_time_equal(expected, params["Signature"]):
            to_sign = signatures.rpc_string_to_sign(request.method, params)
            raise ApiError("SignatureDoesNotMatch", f"The string to sign was: {to_sign!r}.")
        token = params.get("SecurityToken") or request.header("x-acs-security-token")
        via_sts = self._check_token(access_key_id, token)
        self._spend_nonce(access_key_id, params["SignatureNonce"])
        return Principal(access_key_id, "rpc", via_sts)
