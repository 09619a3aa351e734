"""What exists in the fake account: regions, VPCs, vSwitches, ENIs, SLS projects, and special markers.

The document shape is fixed (other tooling reads it): ``regions``, ``vpcs`` with
nested ``vswitches`` and ``enis``, and ``sls``. The optional extras ``markers``,
``resource_groups`` and ``traffic_analyzers`` make the rarer CreateFlowLog errors
reachable (see README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from flowlog_operator.emulator import documents

RESOURCE_TYPES = ("NetworkInterface", "VSwitch", "VPC")


class InventoryError(ValueError):
    """The inventory document does not have the expected shape."""


@dataclass
class VSwitch:
    id: str
    enis: list[str] = field(default_factory=list)


@dataclass
class Vpc:
    id: str
    region: str
    vswitches: list[VSwitch] = field(default_factory=list)


@dataclass
class SlsProject:
    region: str
    project: str
    logstores: list[str] = field(default_factory=list)


@dataclass
class TrafficAnalyzer:
    id: str
    region: str
    status: str = "Active"
    aggregation_interval: int = 10


@dataclass(frozen=True)
class ResourceLocation:
    """Where a captured resource sits: its kind and its ancestors."""

    kind: str
    id: str
    region: str
    vpc_id: str
    vswitch_id: str | None

    @property
    def chain(self) -> tuple[str, ...]:
        """The region and every ID from the VPC down to the resource itself."""
        ids = [self.region, self.vpc_id, self.vswitch_id, self.id]
        return tuple(dict.fromkeys(i for i in ids if i))


def _require_list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InventoryError(f"inventory key {key!r} must be a list")
    return value


@dataclass
class Inventory:
    regions: list[str] = field(default_factory=list)
    vpcs: list[Vpc] = field(default_factory=list)
    sls: list[SlsProject] = field(default_factory=list)
    markers: dict[str, list[str]] = field(default_factory=dict)
    resource_groups: list[str] = field(default_factory=list)
    traffic_analyzers: list[TrafficAnalyzer] = field(default_factory=list)

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Inventory:
        inventory = cls()
        inventory.merge(doc)
        return inventory

    def merge(self, doc: dict[str, Any]) -> None:
        """Add everything in ``doc``; entries with a known ID are extended, never removed."""
        if not isinstance(doc, dict):
            raise InventoryError("inventory document must be a mapping")
        try:
            self._merge(doc)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InventoryError(f"malformed inventory document: {exc!r}") from exc

    def _merge(self, doc: dict[str, Any]) -> None:
        for region in _require_list(doc, "regions"):
            if region not in self.regions:
                self.regions.append(str(region))
        vpcs = {vpc.id: vpc for vpc in self.vpcs}
        for item in _require_list(doc, "vpcs"):
            vpc = vpcs.get(item["id"])
            if vpc is None:
                vpc = Vpc(id=str(item["id"]), region=str(item["region"]))
                vpcs[vpc.id] = vpc
                self.vpcs.append(vpc)
            vpc.region = str(item.get("region", vpc.region))
            if vpc.region not in self.regions:
                self.regions.append(vpc.region)
            vswitches = {vsw.id: vsw for vsw in vpc.vswitches}
            for vsw_item in item.get("vswitches", []):
                vsw = vswitches.get(vsw_item["id"])
                if vsw is None:
                    vsw = VSwitch(id=str(vsw_item["id"]))
                    vswitches[vsw.id] = vsw
                    vpc.vswitches.append(vsw)
                vsw.enis.extend(str(e) for e in vsw_item.get("enis", []) if str(e) not in vsw.enis)
        projects = {(p.region, p.project): p for p in self.sls}
        for item in _require_list(doc, "sls"):
            key = (str(item["region"]), str(item["project"]))
            project = projects.get(key)
            if project is None:
                project = SlsProject(region=key[0], project=key[1])
                projects[key] = project
                self.sls.append(project)
            project.logstores.extend(
                str(s) for s in item.get("logstores", []) if str(s) not in project.logstores
            )
        for name, marks in dict(doc.get("markers") or {}).items():
            known = self.markers.setdefault(str(name), [])
            known.extend(str(m) for m in marks if str(m) not in known)
        for group in _require_list(doc, "resource_groups"):
            if group not in self.resource_groups:
                self.resource_groups.append(str(group))
        analyzers = {a.id: a for a in self.traffic_analyzers}
        for item in _require_list(doc, "traffic_analyzers"):
            analyzer = TrafficAnalyzer(
                id=str(item["id"]),
                region=str(item["region"]),
                status=str(item.get("status", "Active")),
                aggregation_interval=documents.integer(
                    item.get("aggregation_interval", 10),
                    f"traffic_analyzers[{documents.show(item['id'])}].aggregation_interval",
                    minimum=1,
                    maximum=3600,
                ),
            )
            if analyzer.id in analyzers:
                self.traffic_analyzers.remove(analyzers[analyzer.id])
            analyzers[analyzer.id] = analyzer
            self.traffic_analyzers.append(analyzer)

    def to_document(self) -> dict[str, Any]:
        return {
            "regions": list(self.regions),
            "vpcs": [
                {
                    "id": vpc.id,
                    "region": vpc.region,
                    "vswitches": [{"id": vsw.id, "enis": list(vsw.enis)} for vsw in vpc.vswitches],
                }
                for vpc in self.vpcs
            ],
            "sls": [
                {"region": p.region, "project": p.project, "logstores": list(p.logstores)} for p in self.sls
            ],
            "markers": {name: list(marks) for name, marks in self.markers.items()},
            "resource_groups": list(self.resource_groups),
            "traffic_analyzers": [
                {
                    "id": a.id,
                    "region": a.region,
                    "status": a.status,
                    "aggregation_interval": a.aggregation_interval,
                }
                for a in self.traffic_analyzers
            ],
        }

    def locate(self, resource_id: str) -> ResourceLocation | None:
        for vpc in self.vpcs:
            if vpc.id == resource_id:
                return ResourceLocation("VPC", vpc.id, vpc.region, vpc.id, None)
            for vsw in vpc.vswitches:
                if vsw.id == resource_id:
                    return ResourceLocation("VSwitch", vsw.id, vpc.region, vpc.id, vsw.id)
                if resource_id in vsw.enis:
                    return ResourceLocation("NetworkInterface", resource_id, vpc.region, vpc.id, vsw.id)
        return None

    def markers_of(self, *names: str) -> set[str]:
        return {mark for name in names for mark in self.markers.get(name, [])}

    def sls_project(self, region: str, project: str) -> SlsProject | None:
        return next((p for p in self.sls if p.region == region and p.project == project), None)

    def traffic_analyzer(self, region: str, analyzer_id: str) -> TrafficAnalyzer | None:
        return next((a for a in self.traffic_analyzers if a.region == region and a.id == analyzer_id), None)


def default_inventory_document() -> dict[str, Any]:
    text = resources.files("flowlog_operator.emulator").joinpath("default_inventory.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def load_inventory_document(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict):
        raise InventoryError(f"{path}: the inventory must be a YAML mapping")
    Inventory.from_document(document)  # shape check
    return document
