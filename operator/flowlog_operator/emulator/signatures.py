"""Pure signature computations of the two Alibaba schemes (reference sections 2.4 and 2.5).

Written independently of the operator's signer on purpose: the emulator must be
able to catch a bug there, not share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def percent_encode(text: str) -> str:
    """RFC 3986 encoding: only ``A-Z a-z 0-9 - _ . ~`` stay literal, hex in upper case."""
    return quote(text, safe="~", encoding="utf-8")


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params) if key != "Signature"
    )
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64 HMAC-SHA1 with the key ``secret + "&"``."""
    digest = hmac.new(f"{secret}&".encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


def v3_canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(key)}={percent_encode(query[key])}" for key in sorted(query))


def v3_canonical_headers(headers: Iterable[tuple[str, str]], signed: Iterable[str]) -> str:
    """``name:value\\n`` for each signed header, repeated values sorted and joined by commas."""
    wanted = sorted({name.lower() for name in signed})
    values: dict[str, list[str]] = {name: [] for name in wanted}
    for name, value in headers:
        if name.lower() in values:
            values[name.lower()].append(value.strip())
    return "".join(f"{name}:{','.join(sorted(values[name]))}\n" for name in wanted)


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Iterable[tuple[str, str]],
    signed_headers: Iterable[str],
    payload_hash: str,
) -> str:
    signed = sorted({name.lower() for name in signed_headers})
    return "\n".join(
        [
            method.upper(),
            path or "/",
            v3_canonical_query(query),
            v3_canonical_headers(headers, signed),
            ";".join(signed),
            payload_hash,
        ]
    )


def v3_signature(canonical_request: str, secret: str) -> str:
    hashed = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{V3_ALGORITHM}\n{hashed}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class V3Authorization:
    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_v3_authorization(header: str) -> V3Authorization | None:
    """Split ``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``; ``None`` if malformed."""
    algorithm, _, rest = header.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name] = value
    if not algorithm or not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    signed = tuple(name for name in fields["SignedHeaders"].split(";") if name)
    return V3Authorization(algorithm, fields["Credential"], signed, fields["Signature"])


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
