"""Turn pydantic's JSON schema into a Kubernetes structural schema (OpenAPI v3 subset).

pydantic describes a model with ``$defs``/``$ref``, ``anyOf [X, null]`` for optional fields, titles
and ``default: null``. A CRD needs none of that: every node must be inlined and carry its own
``type``, optional means "not required" (a null sent by a client is pruned by the API server), and
only a known set of keywords is allowed. Anything outside that set raises :class:`SchemaError`
instead of slipping into the CRD.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel

from flowlog_operator.model.cel import VALIDATIONS_KEY

# Keywords a structural schema may use, in the order they are written out.
KEYWORD_ORDER: Final = (
    "description",
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "required",
    "properties",
    "items",
    "additionalProperties",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    VALIDATIONS_KEY,
)
_DROPPED: Final = frozenset({"title"})


class SchemaError(ValueError):
    """pydantic produced something that has no place in a structural schema."""


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The structural schema of a model, every ``$ref`` inlined."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    definitions = raw.pop("$defs", {})
    return _convert(raw, definitions, path=model.__name__)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    # The referring node's keywords (a field's description, default) win over the referred
    # node's; CEL rules from both places are kept.
    merged = {**base, **override}
    rules = list(base.get(VALIDATIONS_KEY, [])) + list(override.get(VALIDATIONS_KEY, []))
    if rules:
        merged[VALIDATIONS_KEY] = rules
    return merged


def _convert(node: dict[str, Any], definitions: dict[str, Any], path: str) -> dict[str, Any]:
    node = dict(node)
    if "$ref" in node:
        name = node.pop("$ref").rsplit("/", 1)[-1]
        return _convert(_merge(definitions[name], node), definitions, path)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in node:
            branches = [branch for branch in node.pop(combinator) if branch != {"type": "null"}]
            if len(branches) != 1:
                raise SchemaError(
                    f"{path}: {combinator} with {len(branches)} non-null branches is not structural"
                )
            return _convert(_merge(branches[0], node), definitions, path)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("description"), str):
        # Docstrings wrap lines; kubectl explain rewraps anyway, so keep one line per description.
        node["description"] = " ".join(node["description"].split())
    if node.get("default", 0) is None:
        del node["default"]
    additional = node.get("additionalProperties")
    if additional is False:
        del node["additionalProperties"]  # closed objects: the API server prunes unknown fields
    elif additional is True:
        raise SchemaError(f"{path}: free-form objects need x-kubernetes-preserve-unknown-fields")

    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key not in KEYWORD_ORDER:
            raise SchemaError(f"{path}: keyword {key!r} is not allowed in a structural schema")
        if key == "properties":
            value = {name: _convert(child, definitions, f"{path}.{name}") for name, child in value.items()}
        elif key in ("items", "additionalProperties"):
            value = _convert(value, definitions, f"{path}[]")
        converted[key] = value
    if "type" not in converted:
        raise SchemaError(f"{path}: every node of a structural schema needs a type")
    return {key: converted[key] for key in KEYWORD_ORDER if key in converted}
