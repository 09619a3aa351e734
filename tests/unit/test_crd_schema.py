"""The generated schema is structural, carries every rule with a field-naming message, and reads well.

A structural schema (apiextensions.k8s.io/v1) has a type on every node, no references, no
``anyOf``/``oneOf`` carrying types, and only the keywords the API server knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from flowlog_operator.model import MAX_USER_TAGS, OWNERSHIP_TAG_KEY, FlowLogSpec, crd_manifest
from flowlog_operator.model.schema import KEYWORD_ORDER, SchemaError, structural_schema

SCHEMA: dict[str, Any] = crd_manifest()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
SPEC = SCHEMA["properties"]["spec"]
STATUS = SCHEMA["properties"]["status"]
IMMUTABLE = ("regionId", "resourceType", "resourceId", "trafficType", "projectName", "logStoreName")
MUTABLE = (
    "aggregationInterval",
    "ipVersion",
    "flowLogName",
    "description",
    "resourceGroupId",
    "tags",
    "enabled",
    "deletionPolicy",
)


def _nodes(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _nodes(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from _nodes(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _nodes(node["additionalProperties"], f"{path}{{}}")


def structural_problems(schema: dict[str, Any]) -> list[str]:
    """What keeps ``schema`` from being structural, one line per problem (empty when it is)."""
    problems = []
    for path, node in _nodes(schema):
        escape = node.get("x-kubernetes-int-or-string") or node.get("x-kubernetes-preserve-unknown-fields")
        if "type" not in node and not escape:
            problems.append(f"{path or '<root>'}: no type")
        for keyword in ("$ref", "$defs", "definitions", "anyOf", "oneOf", "allOf", "not", "title", "const"):
            if keyword in node:
                problems.append(f"{path or '<root>'}: {keyword}")
        if "properties" in node and "additionalProperties" in node:
            problems.append(f"{path}: both properties and additionalProperties")
        if node.get("uniqueItems"):
            problems.append(f"{path}: uniqueItems (use x-kubernetes-list-type: set)")
        if "default" in node and node["default"] is None:
            problems.append(f"{path}: null default")
    return problems


def _rules(node: dict[str, Any]) -> list[dict[str, str]]:
    return list(node.get("x-kubernetes-validations", []))


def test_the_crd_schema_is_structural() -> None:
    assert structural_problems(SCHEMA) == []


def test_the_checker_finds_what_is_not_structural() -> None:
    bad = {"type": "object", "properties": {"a": {"$ref": "#/x"}, "b": {"anyOf": [{"type": "string"}]}}}
    assert structural_problems(bad) == [".a: no type", ".a: $ref", ".b: no type", ".b: anyOf"]


def test_only_known_keywords_are_used() -> None:
    allowed = set(KEYWORD_ORDER)
    for path, node in _nodes(SCHEMA):
        assert set(node) <= allowed, f"{path}: {set(node) - allowed}"


def test_a_union_of_two_types_is_refused() -> None:
    class Ambiguous(BaseModel):
        value: int | str

    with pytest.raises(SchemaError, match="anyOf with 2 non-null branches"):
        structural_schema(Ambiguous)


def test_a_free_form_object_is_refused() -> None:
    class FreeForm(BaseModel):
        value: dict[str, Any]

    with pytest.raises(SchemaError, match="free-form"):
        structural_schema(FreeForm)


def test_an_optional_field_is_just_not_required() -> None:
    assert SPEC["properties"]["flowLogName"]["type"] == "string"
    assert "flowLogName" not in SPEC["required"]
    assert "nullable" not in SPEC["properties"]["flowLogName"]


def test_defaults_are_in_the_schema() -> None:
    properties = SPEC["properties"]
    assert properties["aggregationInterval"]["default"] == 10
    assert properties["enabled"]["default"] is True
    assert properties["deletionPolicy"]["default"] == "Delete"
    defaulted = {path for path, node in _nodes(SCHEMA) if "default" in node}
    assert defaulted == {".spec.aggregationInterval", ".spec.enabled", ".spec.deletionPolicy"}


def test_required_spec_fields_are_the_create_parameters() -> None:
    assert SCHEMA["required"] == ["spec"]
    assert set(SPEC["required"]) == set(IMMUTABLE)


def test_every_field_has_a_description() -> None:
    # Map values ({}) are described by their map; metadata is the API server's own.
    missing = [
        path
        for path, node in _nodes(SCHEMA)
        if path and not path.endswith("{}") and not node.get("description")
    ]
    assert missing == [".metadata"]


def test_spec_descriptions_say_which_fields_are_immutable() -> None:
    for name in (*IMMUTABLE, "trafficPath", "adoptFlowLogId"):
        assert "Immutable" in SPEC["properties"][name]["description"], name
    for name in MUTABLE:
        assert "Immutable" not in SPEC["properties"][name]["description"], name


def test_every_spec_field_comes_from_the_model_and_is_in_the_schema() -> None:
    aliases = {field.alias for field in FlowLogSpec.model_fields.values()}
    assert aliases == set(SPEC["properties"])
    assert set(IMMUTABLE) | set(MUTABLE) | {"trafficPath", "adoptFlowLogId"} == aliases


def test_every_rule_message_names_its_field() -> None:
    for path, node in _nodes(SCHEMA):
        for rule in _rules(node):
            field = rule.get("fieldPath", "")
            named = re.sub(r"\{\}$", "", f"{path}{field}").lstrip(".").replace("[]", "")
            assert rule["message"].startswith(named), (path, rule)


def test_immutable_fields_have_a_transition_rule() -> None:
    for name in IMMUTABLE:
        assert {"rule": "self == oldSelf", "reason": "FieldValueForbidden"}.items() <= _rules(
            SPEC["properties"][name]
        )[0].items(), name
    spec_transitions = {rule["fieldPath"] for rule in _rules(SPEC) if "oldSelf" in rule["rule"]}
    assert spec_transitions == {".trafficPath", ".adoptFlowLogId"}
    for name in MUTABLE:
        assert not any("oldSelf" in rule["rule"] for rule in _rules(SPEC["properties"][name])), name


def test_traffic_path_is_a_set_of_known_paths() -> None:
    traffic_path = SPEC["properties"]["trafficPath"]
    assert traffic_path["x-kubernetes-list-type"] == "set"
    assert "all" in traffic_path["items"]["enum"]
    assert len(traffic_path["items"]["enum"]) == traffic_path["maxItems"] == 10


def test_tags_leave_room_for_the_ownership_tag() -> None:
    tags = SPEC["properties"]["tags"]
    assert tags["maxProperties"] == MAX_USER_TAGS == 19
    assert tags["additionalProperties"]["type"] == "string"
    assert tags["additionalProperties"]["maxLength"] == 128
    reserved = [rule for rule in _rules(tags) if OWNERSHIP_TAG_KEY in rule["message"]]
    assert len(reserved) == 1
    assert "flowlog-operator/" in reserved[0]["rule"]


def test_conditions_are_a_map_keyed_by_type() -> None:
    conditions = STATUS["properties"]["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert set(conditions["items"]["required"]) == {
        "type",
        "status",
        "reason",
        "message",
        "lastTransitionTime",
    }
    assert conditions["items"]["properties"]["status"]["enum"] == ["True", "False", "Unknown"]


def test_status_has_the_crash_safety_mark() -> None:
    pending = STATUS["properties"]["pendingCreate"]
    assert set(pending["properties"]) == {"token", "startedAt", "outcomeUnknown"}
    assert set(pending["required"]) == {"token", "startedAt"}
    expected = {
        "flowLogId",
        "cloudStatus",
        "businessStatus",
        "observedGeneration",
        "conditions",
        "creationTime",
        "deliveryStatus",
        "deliveryError",
        "pendingCreate",
        "lastSyncTime",
        "failures",
        "resourceGroupId",
        "tags",
    }
    assert expected <= set(STATUS["properties"])
