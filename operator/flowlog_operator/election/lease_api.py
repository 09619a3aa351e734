"""The Lease over the Kubernetes API with httpx: read, create, and replace conditional on its version.

Every request asks ``headers()`` for its credentials, so a rotated ServiceAccount token is picked up;
the client's own timeout bounds each request, and callers bound a whole attempt with ``asyncio.timeout``.
A write that lost a race (HTTP 409, or the Lease vanished) is a :class:`LeaseConflictError`; anything else
that went wrong is a :class:`LeaseApiError` whose message names the Lease and the API server's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from flowlog_operator.core.leadership import LeaseRecord

LEASES = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
Headers = Callable[[], Mapping[str, str]]


class LeaseConflictError(Exception):
    """The Lease changed since we read it (or vanished): our write did not happen."""


class LeaseApiError(Exception):
    """The API server could not be reached, or refused the request for another reason than a race."""


def _no_headers() -> Mapping[str, str]:
    return {}


def format_time(moment: datetime | None) -> str | None:
    """A ``MicroTime`` as the API server writes it: UTC, microseconds, ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def record_of(lease: Mapping[str, Any]) -> LeaseRecord:
    spec = lease.get("spec") or {}
    return LeaseRecord(
        holder=str(spec.get("holderIdentity") or ""),
        lease_seconds=int(spec.get("leaseDurationSeconds") or 0),
        acquired=parse_time(spec.get("acquireTime")),
        renewed=parse_time(spec.get("renewTime")),
        transitions=int(spec.get("leaseTransitions") or 0),
        version=str((lease.get("metadata") or {}).get("resourceVersion") or ""),
    )


def lease_of(record: LeaseRecord, *, namespace: str, name: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/part-of": "flowlog-operator"},
    }
    if record.version:
        metadata["resourceVersion"] = record.version
    spec: dict[str, Any] = {
        "holderIdentity": record.holder,
        "leaseDurationSeconds": record.lease_seconds,
        "leaseTransitions": record.transitions,
    }
    for key, moment in (("acquireTime", record.acquired), ("renewTime", record.renewed)):
        if moment is not None:
            spec[key] = format_time(moment)
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}


class LeaseApi:
    """One named Lease in one namespace."""

    def __init__(
        self, client: httpx.AsyncClient, *, namespace: str, name: str, headers: Headers = _no_headers
    ) -> None:
        self._client = client
        self.namespace = namespace
        self.name = name
        self._headers = headers
        self._collection = LEASES.format(namespace=namespace)

    def __str__(self) -> str:
        return f"Lease {self.namespace}/{self.name}"

    async def read(self) -> LeaseRecord | None:
        response = await self._send("GET", f"{self._collection}/{self.name}", missing_ok=True)
        if response.status_code == 404:
            return None
        return record_of(self._document(response))

    async def create(self, record: LeaseRecord) -> LeaseRecord:
        body = lease_of(record, namespace=self.namespace, name=self.name)
        return record_of(self._document(await self._send("POST", self._collection, body)))

    async def replace(self, record: LeaseRecord) -> LeaseRecord:
        body = lease_of(record, namespace=self.namespace, name=self.name)
        path = f"{self._collection}/{self.name}"
        response = await self._send("PUT", path, body, missing_ok=True)
        if response.status_code == 404:
            raise LeaseConflictError(f"{self} was deleted")
        return record_of(self._document(response))

    async def _send(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, *, missing_ok: bool = False
    ) -> httpx.Response:
        """The answer; 404 only when ``missing_ok`` (the Lease itself), any other failure raised."""
        try:
            response = await self._client.request(method, path, json=body, headers=dict(self._headers()))
        except httpx.HTTPError as error:
            raise LeaseApiError(f"{method} {self}: {type(error).__name__} {error}".rstrip()) from None
        if response.status_code == 409:
            raise LeaseConflictError(f"{self} changed since it was read: {_reason(response)}")
        if response.status_code >= 400 and not (response.status_code == 404 and missing_ok):
            raise LeaseApiError(f"{method} {self}: HTTP {response.status_code} {_reason(response)}")
        return response

    def _document(self, response: httpx.Response) -> dict[str, Any]:
        try:
            document = response.json()
        except ValueError:
            raise LeaseApiError(f"{self}: the API server answered with no JSON") from None
        if not isinstance(document, dict):
            raise LeaseApiError(f"{self}: the API server answered with no object")
        return document


def _reason(response: httpx.Response) -> str:
    """The API server's own message (a ``Status``), which names the missing permission on a 403."""
    try:
        status = response.json()
    except ValueError:
        return response.reason_phrase
    message = status.get("message") if isinstance(status, dict) else None
    return str(message or response.reason_phrase)
