"""Credentials for signing: a static AccessKey (optionally with an STS token), or RRSA (OIDC -> STS).

`credentials_from_environment` follows the first two links of the Alibaba default chain (reference §4.3)
with the standard variable names:

1. ``ALIBABA_CLOUD_ACCESS_KEY_ID`` + ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` [+ ``ALIBABA_CLOUD_SECURITY_TOKEN``];
2. RRSA: ``ALIBABA_CLOUD_ROLE_ARN`` + ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN`` + ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``
   [+ ``ALIBABA_CLOUD_ROLE_SESSION_NAME``, ``ALIBABA_CLOUD_STS_REGION``,
   ``ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED``], exchanged with STS ``AssumeRoleWithOIDC`` (an unsigned GET).

The RRSA provider re-reads the token file on every refresh (the kubelet rotates it), refreshes ahead of
expiry (15 minutes, or a quarter of the lifetime when that is shorter), and lets one caller refresh while
concurrent callers wait for its result. Secrets are `pydantic.SecretStr`, so reprs show ``**********``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from flowlog_operator.cloud.endpoints import resolve_sts_endpoint
from flowlog_operator.cloud.errors import (
    CloudError,
    CloudTransportError,
    CredentialsError,
    error_from_response,
    error_from_transport,
)
from flowlog_operator.cloud.redaction import install_httpx_log_redaction, remember_secrets
from flowlog_operator.cloud.signing import format_timestamp

if TYPE_CHECKING:
    from flowlog_operator.cloud.settings import CloudSettings

__all__ = [
    "ACCESS_KEY_ENV",
    "RRSA_ENV",
    "Credentials",
    "CredentialsProvider",
    "OidcRoleCredentialsProvider",
    "StaticCredentialsProvider",
    "credentials_from_environment",
]

logger = logging.getLogger(__name__)

ACCESS_KEY_ENV = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
SECURITY_TOKEN_ENV = "ALIBABA_CLOUD_SECURITY_TOKEN"  # noqa: S105 (a variable name)
RRSA_ENV = ("ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE")
STS_VERSION = "2015-04-01"
MAX_REFRESH_AHEAD = timedelta(minutes=15)


class Credentials(BaseModel):
    """One set of signing credentials; the secret and token never show in repr or str."""

    model_config = ConfigDict(frozen=True)

    access_key_id: str
    access_key_secret: SecretStr
    security_token: SecretStr | None = None
    expiration: datetime | None = None
    # Sent as x-acs-credentials-provider, as the SDK does.
    provider_name: str = "static_ak"

    def security_token_value(self) -> str | None:
        return None if self.security_token is None else self.security_token.get_secret_value()


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that can hand out current credentials."""

    async def get(self) -> Credentials: ...


class StaticCredentialsProvider:
    """Always the same credentials (an AccessKey pair, or an STS token someone else refreshes)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    @classmethod
    def from_keys(
        cls, access_key_id: str, access_key_secret: str, security_token: str | None = None
    ) -> StaticCredentialsProvider:
        return cls(
            Credentials(
                access_key_id=access_key_id,
                access_key_secret=SecretStr(access_key_secret),
                security_token=None if security_token is None else SecretStr(security_token),
                provider_name="static_ak" if security_token is None else "static_sts",
            )
        )

    async def get(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}(access_key_id={self._credentials.access_key_id!r})"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OidcRoleCredentialsProvider:
    """RRSA: exchange the pod's OIDC token for STS credentials, cached and refreshed ahead of expiry."""

    def __init__(
        self,
        *,
        role_arn: str,
        oidc_provider_arn: str,
        token_file: Path | str,
        sts_endpoint: httpx.URL,
        role_session_name: str | None = None,
        duration_seconds: int = 3600,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if duration_seconds < 900:
            raise ValueError("duration_seconds must be at least 900 (the STS minimum)")
        self.role_arn = role_arn
        self.oidc_provider_arn = oidc_provider_arn
        self.token_file = Path(token_file)
        self.sts_endpoint = sts_endpoint
        self.role_session_name = role_session_name or f"flowlog-operator-{int(time.time())}"
        self.duration_seconds = duration_seconds
        self._clock = clock
        self._http = httpx.AsyncClient(
            transport=transport, timeout=timeout or httpx.Timeout(10.0, connect=5.0), follow_redirects=False
        )
        self._lock = asyncio.Lock()
        self._cached: Credentials | None = None
        self._refresh_at: datetime | None = None
        install_httpx_log_redaction()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(role_arn={self.role_arn!r}, sts_endpoint={str(self.sts_endpoint)!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def _is_fresh(self, now: datetime) -> bool:
        return self._cached is not None and self._refresh_at is not None and now < self._refresh_at

    async def get(self) -> Credentials:
        if self._is_fresh(self._clock()):
            assert self._cached is not None
            return self._cached
        async with self._lock:
            # Whoever held the lock before us may have refreshed already: single flight.
            now = self._clock()
            if self._is_fresh(now):
                assert self._cached is not None
                return self._cached
            try:
                fresh = await self._assume_role()
            except CloudError as error:
                stale = self._cached
                if stale is not None and stale.expiration is not None and now < stale.expiration:
                    logger.warning(
                        "STS refresh failed (%s); using credentials valid until %s", error, stale.expiration
                    )
                    return stale
                raise
            self._cached = fresh
            self._refresh_at = self._refresh_time(fresh, now)
            return fresh

    @staticmethod
    def _refresh_time(credentials: Credentials, now: datetime) -> datetime:
        assert credentials.expiration is not None
        lifetime = credentials.expiration - now
        ahead = min(MAX_REFRESH_AHEAD, lifetime / 4)
        return credentials.expiration - max(ahead, timedelta(0))

    def _read_token(self) -> str:
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialsError(
                f"cannot read the OIDC token file {str(self.token_file)!r}: {exc}"
            ) from exc
        if not token:
            raise CredentialsError(f"the OIDC token file {str(self.token_file)!r} is empty")
        remember_secrets(token)
        return token

    async def _assume_role(self) -> Credentials:
        action = "AssumeRoleWithOIDC"
        params = {
            "Action": action,
            "Format": "JSON",
            "Version": STS_VERSION,
            "DurationSeconds": str(self.duration_seconds),
            "RoleArn": self.role_arn,
            "OIDCProviderArn": self.oidc_provider_arn,
            "OIDCToken": self._read_token(),
            "RoleSessionName": self.role_session_name,
            "Timestamp": format_timestamp(self._clock()),
        }
        try:
            response = await self._http.get(self.sts_endpoint, params=params)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, action=action) from exc
        if response.status_code >= 400:
            raise error_from_response(response, action=action)
        return self._parse(response, action)

    @staticmethod
    def _parse(response: httpx.Response, action: str) -> Credentials:
        try:
            body: Any = response.json()
            issued = body["Credentials"]
            remember_secrets(issued["AccessKeyId"], issued["AccessKeySecret"], issued["SecurityToken"])
            expiration = datetime.strptime(issued["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return Credentials(
                access_key_id=issued["AccessKeyId"],
                access_key_secret=SecretStr(issued["AccessKeySecret"]),
                security_token=SecretStr(issued["SecurityToken"]),
                expiration=expiration,
                provider_name="oidc_role_arn",
            )
        except (ValueError, KeyError, TypeError) as exc:
            # Never echo the body: it holds the secret.
            raise CloudTransportError(
                f"unreadable STS answer ({type(exc).__name__})",
                action=action,
                http_status=response.status_code,
            ) from exc


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def credentials_from_environment(
    environ: Mapping[str, str] | None = None,
    *,
    settings: CloudSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CredentialsProvider:
    """Static AccessKey from the environment, else RRSA, else a `CredentialsError` naming the variables."""
    env = os.environ if environ is None else environ

    def value(name: str) -> str:
        return env.get(name, "").strip()

    key_id, key_secret = (value(name) for name in ACCESS_KEY_ENV)
    if key_id or key_secret:
        if not (key_id and key_secret):
            missing = [name for name in ACCESS_KEY_ENV if not value(name)]
            raise CredentialsError(f"incomplete AccessKey credentials: {', '.join(missing)} is not set")
        return StaticCredentialsProvider.from_keys(key_id, key_secret, value(SECURITY_TOKEN_ENV) or None)

    rrsa = {name: value(name) for name in RRSA_ENV}
    if all(rrsa.values()):
        sts_endpoint_override = (
            settings.sts_endpoint if settings is not None else value("FLOWLOG_STS_ENDPOINT")
        )
        allow_insecure = (
            settings.allow_insecure_endpoint
            if settings is not None
            else _is_true(value("FLOWLOG_ALLOW_INSECURE_ENDPOINT"))
        )
        try:
            sts_endpoint = resolve_sts_endpoint(
                endpoint=sts_endpoint_override or None,
                sts_region=value("ALIBABA_CLOUD_STS_REGION") or None,
                vpc_endpoint_enabled=_is_true(value("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")),
                allow_insecure=allow_insecure,
            )
        except ValueError as exc:
            raise CredentialsError(f"bad STS endpoint: {exc}") from exc
        return OidcRoleCredentialsProvider(
            role_arn=rrsa["ALIBABA_CLOUD_ROLE_ARN"],
            oidc_provider_arn=rrsa["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"],
            token_file=rrsa["ALIBABA_CLOUD_OIDC_TOKEN_FILE"],
            role_session_name=value("ALIBABA_CLOUD_ROLE_SESSION_NAME") or None,
            sts_endpoint=sts_endpoint,
            transport=transport,
        )
    if any(rrsa.values()):
        missing = [name for name, found in rrsa.items() if not found]
        raise CredentialsError(f"incomplete RRSA credentials: {', '.join(missing)} is not set")
    raise CredentialsError(
        "no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
        "(optionally ALIBABA_CLOUD_SECURITY_TOKEN), or for RRSA ALIBABA_CLOUD_ROLE_ARN, "
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE"
    )
