"""Temporary credentials issued by the emulator's own STS, and the check that they are valid."""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass
from typing import Any

from flowlog_operator.emulator.wire import iso8601

_ALPHANUMERIC = string.ascii_letters + string.digits


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


@dataclass(frozen=True)
class IssuedCredential:
    access_key_id: str
    access_key_secret: str
    security_token: str
    expires_at: float
    role_arn: str
    session_name: str

    @property
    def expiration(self) -> str:
        return iso8601(self.expires_at)

    def as_wire(self) -> dict[str, str]:
        return {
            "AccessKeyId": self.access_key_id,
            "AccessKeySecret": self.access_key_secret,
            "SecurityToken": self.security_token,
            "Expiration": self.expiration,
        }


class StsRegistry:
    """Every credential issued and not yet forgotten (expired ones are kept a day for the error)."""

    def __init__(self) -> None:
        self._issued: dict[str, IssuedCredential] = {}

    def issue(
        self, role_arn: str, session_name: str, now: float, duration_seconds: float
    ) -> IssuedCredential:
        self._issued = {k: c for k, c in self._issued.items() if c.expires_at > now - 86_400}
        credential = IssuedCredential(
            access_key_id=f"STS.{_random_text(26)}",
            access_key_secret=_random_text(44),
            security_token=f"CAIS{_random_text(120)}",
            expires_at=now + duration_seconds,
            role_arn=role_arn,
            session_name=session_name,
        )
        self._issued[credential.access_key_id] = credential
        return credential

    def lookup(self, access_key_id: str) -> IssuedCredential | None:
        return self._issued.get(access_key_id)

    def clear(self) -> None:
        self._issued.clear()

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(credential) for credential in self._issued.values()]

    def load_json(self, items: list[dict[str, Any]]) -> None:
        self._issued = {item["access_key_id"]: IssuedCredential(**item) for item in items}
