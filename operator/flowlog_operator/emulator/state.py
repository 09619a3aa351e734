"""The account's state: flow logs and their life cycle, the service switch, STS credentials.

Transitions are lazy and computed from timestamps: a flow log in a transient
state carries the state it is heading to and when it gets there, and ``settle``
applies every transition that is due. What a caller observes therefore depends
only on the clock, never on a background task's scheduling.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from flowlog_operator.emulator import documents
from flowlog_operator.emulator.inventory import Inventory
from flowlog_operator.emulator.sts import StsRegistry

ACTIVATING, ACTIVE, DEACTIVATING, INACTIVE, DELETING = (
    "Activating",
    "Active",
    "Deactivating",
    "Inactive",
    "Deleting",
)
TRANSIENT_STATES = frozenset({ACTIVATING, DEACTIVATING, DELETING})
GONE = "(gone)"
DEFAULT_RESOURCE_GROUP = "rg-acfmemulatordefault"


@dataclass
class Delays:
    activation: float = 2.0
    deactivation: float = 1.0
    deletion: float = 1.0


@dataclass
class Account:
    """Account-wide switches; the CreateFlowLog error table reaches several codes through them."""

    service_enabled: bool = True
    service_opened_by_call: bool = False
    business_status: str = "Normal"
    flowlog_quota: int = 50
    ram_user_access_keys: list[str] = field(default_factory=list)
    user_defined_traffic_path: bool = True
    # Leniency on request: the cloud refuses a second flow log on a resource (InvalidResourceId.NotFound).
    # Lifting that leaves the operator's own guard as the only one, which is what resilience tests need.
    allow_several_flowlogs_per_resource: bool = False

    def update(self, doc: dict[str, Any]) -> None:
        """Change the settings given; each value must have its JSON type, else nothing changes."""
        changes: dict[str, object] = {}
        for key, value in doc.items():
            reader = _ACCOUNT_FIELDS.get(key)
            if reader is None:
                raise documents.DocumentError(
                    f"unknown account setting {documents.show(key)}; known: {', '.join(_ACCOUNT_FIELDS)}"
                )
            changes[key] = reader(value, key)
        for key, value in changes.items():
            setattr(self, key, value)


MAX_FLOWLOG_QUOTA = 1_000_000


def _quota(value: object, name: str) -> int:
    return documents.integer(value, name, minimum=0, maximum=MAX_FLOWLOG_QUOTA)


_ACCOUNT_FIELDS: dict[str, Callable[[object, str], object]] = {
    "service_enabled": documents.boolean,
    "service_opened_by_call": documents.boolean,
    "business_status": documents.string,
    "flowlog_quota": _quota,
    "ram_user_access_keys": documents.string_list,
    "user_defined_traffic_path": documents.boolean,
    "allow_several_flowlogs_per_resource": documents.boolean,
}


@dataclass
class FlowLog:
    flow_log_id: str
    region_id: str
    resource_type: str
    resource_id: str
    vpc_id: str
    traffic_type: str
    project_name: str
    log_store_name: str
    creation_time: float
    sequence: int
    flow_log_name: str = ""
    description: str = ""
    aggregation_interval: int = 10
    traffic_path: list[str] = field(default_factory=lambda: ["all"])
    ip_version: str = "IPV4"
    log_format: str = ""
    resource_group_id: str = DEFAULT_RESOURCE_GROUP
    traffic_analyzer_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    status: str = ACTIVATING
    heading_to: str | None = None
    due_at: float | None = None

    def begin(self, transient: str, target: str, now: float, delay: float) -> None:
        self.status, self.heading_to, self.due_at = transient, target, now + max(delay, 0.0)

    @property
    def collects_all_traffic(self) -> bool:
        return self.traffic_path in ([], ["all"])


def _random_suffix(length: int = 21) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class EmulatorState:
    inventory: Inventory
    account: Account
    delays: Delays
    flowlogs: dict[str, FlowLog] = field(default_factory=dict)
    sts: StsRegistry = field(default_factory=StsRegistry)
    next_sequence: int = 1

    def new_flow_log_id(self) -> str:
        while True:
            candidate = f"fl-{_random_suffix()}"
            if candidate not in self.flowlogs:
                return candidate

    def take_sequence(self) -> int:
        self.next_sequence += 1
        return self.next_sequence - 1

    def settle(self, now: float) -> None:
        """Apply every transition that is due at ``now``."""
        for flowlog in [f for f in self.flowlogs.values() if f.due_at is not None and f.due_at <= now]:
            if flowlog.heading_to == GONE:
                del self.flowlogs[flowlog.flow_log_id]
            else:
                flowlog.status, flowlog.heading_to, flowlog.due_at = (
                    flowlog.heading_to or flowlog.status,
                    None,
                    None,
                )

    def ordered_flowlogs(self) -> list[FlowLog]:
        return sorted(self.flowlogs.values(), key=lambda f: f.sequence)

    def count_in_region(self, region_id: str) -> int:
        return sum(1 for f in self.flowlogs.values() if f.region_id == region_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "inventory": self.inventory.to_document(),
            "account": asdict(self.account),
            "flowlogs": [asdict(f) for f in self.ordered_flowlogs()],
            "sts": self.sts.to_json(),
            "next_sequence": self.next_sequence,
        }

    def load_json(self, doc: dict[str, Any]) -> None:
        self.inventory = Inventory.from_document(doc["inventory"])
        self.account = Account(**doc["account"])
        self.flowlogs = {item["flow_log_id"]: FlowLog(**item) for item in doc["flowlogs"]}
        self.sts.load_json(doc.get("sts", []))
        self.next_sequence = int(doc.get("next_sequence", len(self.flowlogs) + 1))
