"""The pydantic models accept every valid manifest and refuse every invalid one that pydantic can judge.

The same fixtures go to a real API server in ``tests/e2e/test_crd_validation.py``; here they pin down
that the Python side of each rule (pydantic constraints and ``CelRule.check``) agrees with the CRD.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from flowlog_operator.model import (
    DEFAULT_AGGREGATION_INTERVAL,
    DeletionPolicy,
    FlowLog,
    FlowLogSpec,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SAMPLES = REPO / "manifests" / "samples"
HEADER = re.compile(r"^# (field|message): (.*)$", re.MULTILINE)


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def _expectation(path: Path) -> dict[str, str]:
    found = dict(HEADER.findall(path.read_text(encoding="utf-8")))
    assert set(found) == {"field", "message"}, f"{path.name} needs '# field:' and '# message:' header lines"
    return found


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def test_the_corpus_is_large_enough_to_cover_every_rule() -> None:
    assert len(INVALID) >= 30
    assert len(VALID) >= 3
    assert len(SAMPLE_FILES) == 3


@pytest.mark.parametrize("path", VALID + SAMPLE_FILES, ids=_ids(VALID + SAMPLE_FILES))
def test_valid_manifest_is_accepted(path: Path) -> None:
    flowlog = FlowLog.from_body(_load(path))
    assert flowlog.metadata.name == _load(path)["metadata"]["name"]


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_manifest_is_refused_naming_the_field(path: Path) -> None:
    expected = _expectation(path)
    with pytest.raises(ValidationError) as caught:
        FlowLog.from_body(_load(path))
    # pydantic words schema-keyword errors its own way, so accept either the error's location
    # (spec.tags[team] is ('spec', 'tags', 'team')) or, for CEL rules, the very message the API
    # server prints.
    field_loc = tuple(re.split(r"[.\[\]]+", expected["field"].rstrip("]")))
    matches = [
        error
        for error in caught.value.errors()
        if tuple(str(part) for part in error["loc"][: len(field_loc)]) == field_loc
        or expected["message"] in error["msg"]
    ]
    assert matches, f"{path.name}: no error about {expected['field']}: {caught.value}"


def test_defaults_are_filled_in_when_absent() -> None:
    spec = FlowLog.from_body(_load(FIXTURES / "valid" / "vpc-minimal.yaml")).spec
    assert spec.aggregation_interval == DEFAULT_AGGREGATION_INTERVAL == 10
    assert spec.enabled is True
    assert spec.deletion_policy is DeletionPolicy.DELETE
    assert spec.traffic_path is None
    assert spec.to_dict() == {
        **_load(FIXTURES / "valid" / "vpc-minimal.yaml")["spec"],
        "aggregationInterval": 10,
        "enabled": True,
        "deletionPolicy": "Delete",
    }


def test_a_boolean_is_not_an_aggregation_interval() -> None:
    spec = _load(FIXTURES / "valid" / "vpc-minimal.yaml")["spec"]
    with pytest.raises(ValidationError, match=r"spec\.aggregationInterval must be an integer"):
        FlowLogSpec.model_validate({**spec, "aggregationInterval": True})


def test_every_valid_fixture_survives_a_round_trip_through_the_wire_form() -> None:
    for path in VALID:
        flowlog = FlowLog.from_body(_load(path))
        assert FlowLog.from_body(flowlog.to_dict()) == flowlog, path.name
        assert flowlog.to_dict()["spec"].items() >= _load(path)["spec"].items(), path.name
