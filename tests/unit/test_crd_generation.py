"""The checked-in CRD is exactly what the models generate, and the ``crd`` command prints it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flowlog_operator import cli
from flowlog_operator.model import CRD_NAME, crd_manifest, crd_yaml
from flowlog_operator.model.crd_cli import main as crd_main

REPO = Path(__file__).resolve().parents[2]
CHECKED_IN = REPO / "manifests" / "crd" / f"{CRD_NAME}.yaml"
REGENERATE = f".venv/bin/flowlog-operator crd -o {CHECKED_IN.relative_to(REPO)}"


def test_checked_in_crd_equals_the_generated_one() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == crd_yaml(), (
        f"{CHECKED_IN.relative_to(REPO)} is stale; regenerate it with: {REGENERATE}"
    )


def test_generated_yaml_parses_back_to_the_manifest() -> None:
    assert yaml.safe_load(crd_yaml()) == crd_manifest()


def test_crd_command_prints_the_crd(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["crd"]) == 0
    assert capsys.readouterr().out == crd_yaml()


def test_crd_command_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "crd" / "flowlog.yaml"
    assert crd_main(["-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == crd_yaml()


def test_crd_check_fails_on_a_stale_file_and_says_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "crd.yaml"
    stale.write_text(crd_yaml().replace("flowLogId", "flowlogId"), encoding="utf-8")
    assert crd_main(["--check", str(stale)]) == 1
    assert f"flowlog-operator crd -o {stale}" in capsys.readouterr().err
    assert crd_main(["--check", str(CHECKED_IN)]) == 0


def test_crd_names_are_the_fixed_ones() -> None:
    spec = crd_manifest()["spec"]
    assert spec["group"] == "vpc.alicloud.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"] == {
        "kind": "FlowLog",
        "listKind": "FlowLogList",
        "plural": "flowlogs",
        "singular": "flowlog",
        "shortNames": ["fl"],
        "categories": ["alicloud"],
    }
    (version,) = spec["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


def test_printer_columns_show_id_cloud_status_ready_resource_and_age() -> None:
    (version,) = crd_manifest()["spec"]["versions"]
    default_columns = {
        column["name"]: column["jsonPath"]
        for column in version["additionalPrinterColumns"]
        if column.get("priority", 0) == 0
    }
    assert default_columns == {
        "ID": ".status.flowLogId",
        "Status": ".status.cloudStatus",
        "Ready": '.status.conditions[?(@.type=="Ready")].status',
        "Resource": ".spec.resourceId",
        "Age": ".metadata.creationTimestamp",
    }
