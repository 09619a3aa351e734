"""Leader election in end-to-end tests: settings for an elected operator, the Lease, who called the cloud.

Each operator process of an election test gets its own AccessKey (the emulator is started with all of
them, see :func:`access_keys`), so the emulator's call log (``GET /_emulator/calls/log``) tells which
process made each call, and its own ``POD_NAME``, so the Lease's ``holderIdentity`` (``<POD_NAME>_<pid>``)
tells which one leads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from support.emulator import EmulatorProcess

LEASE_NAME = "flowlog-operator"


class Cluster(Protocol):
    def kubectl(self, *args: str, **kwargs: Any) -> Any: ...


def access_keys(names: list[str]) -> list[str]:
    """Emulator arguments that accept one key pair per name (ID ``name``, secret ``name-secret``)."""
    args: list[str] = []
    for name in names:
        args += ["--access-key", f"{name}:{name}-secret"]
    return args


def key_of(name: str) -> tuple[str, str]:
    return name, f"{name}-secret"


def elected(namespace: str, name: str, **timings: str) -> dict[str, str]:
    """Operator settings for leader election on the Lease in ``namespace``, as process ``name``."""
    env = {
        "FLOWLOG_LEADER_ELECTION": "true",
        "FLOWLOG_LEADER_ELECTION_NAMESPACE": namespace,
        "POD_NAME": name,
    }
    env.update({f"FLOWLOG_LEADER_ELECTION_{key.upper()}": value for key, value in timings.items()})
    return env


@dataclass(frozen=True)
class Lease:
    holder: str
    acquired: datetime | None
    renewed: datetime | None
    lease_seconds: int
    transitions: int

    @property
    def holder_name(self) -> str:
        """The ``POD_NAME`` part of the holder (``""`` when released)."""
        return self.holder.rsplit("_", 1)[0] if self.holder else ""


def read_lease(cluster: Cluster, namespace: str) -> Lease | None:
    result = cluster.kubectl(
        "get", "lease", LEASE_NAME, "-n", namespace, "-o", "json", "--ignore-not-found", timeout=30
    )
    if not result.stdout.strip():
        return None
    spec = json.loads(result.stdout)["spec"]

    def moment(key: str) -> datetime | None:
        return datetime.fromisoformat(spec[key]) if spec.get(key) else None

    return Lease(
        holder=spec.get("holderIdentity") or "",
        acquired=moment("acquireTime"),
        renewed=moment("renewTime"),
        lease_seconds=int(spec.get("leaseDurationSeconds") or 0),
        transitions=int(spec.get("leaseTransitions") or 0),
    )


def holder_name(cluster: Cluster, namespace: str) -> str:
    lease = read_lease(cluster, namespace)
    return lease.holder_name if lease else ""


def calls_by_key(cloud: EmulatorProcess) -> dict[str, list[dict[str, Any]]]:
    """The emulator's call log grouped by the AccessKey ID each call named, in arrival order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for call in cloud.call_log():
        grouped.setdefault(str(call["accessKeyId"]), []).append(call)
    return grouped
