"""Generate the chart's README.md, values.schema.json and CRD copy from their single sources.

* ``values.yaml``: every value carries a ``# -- description`` comment block (continued by ``#   ``
  lines); an optional ``# @schema {json}`` line adds JSON-schema keywords to the value below it. Mappings
  are described value by value and closed (``additionalProperties: false``, so a typo is refused); a
  mapping with its own ``@schema`` is a single value (free-form maps, probes, resources).
* the CRD: ``flowlog_operator.model.crd_yaml()`` (what ``flowlog-operator crd`` prints).

Usage: ``generate.py`` writes the files; ``generate.py --check`` exits 1 naming every stale file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parents[1]
VALUES = CHART / "values.yaml"
README = CHART / "README.md"
SCHEMA = CHART / "values.schema.json"
CRD_COPY = CHART / "files" / "crds" / "flowlogs.vpc.alicloud.io.yaml"
README_HEAD = CHART / "hack" / "README.head.md"

KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


class ValuesDocError(ValueError):
    """values.yaml breaks the documentation convention; the message names the line."""


@dataclass
class Value:
    path: tuple[str, ...]
    description: str
    schema: dict[str, Any]
    default: Any
    children: list[Value] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return isinstance(self.default, dict) and not self.schema.get("type") and not self.description


def _lookup(tree: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def parse_values(text: str) -> list[Value]:
    """The documented values of ``text`` as a tree, in file order."""
    tree = yaml.safe_load(text) or {}
    roots: list[Value] = []
    stack: list[tuple[int, Value]] = []
    leaf_indent: int | None = None  # inside a single-value mapping or list: skip deeper lines
    description: list[str] = []
    schema: dict[str, Any] = {}
    in_description = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if leaf_indent is not None and (not stripped or indent > leaf_indent or stripped.startswith("- ")):
            continue
        leaf_indent = None
        if stripped.startswith("# --"):
            description, in_description = [stripped[4:].strip()], True
            continue
        if stripped.startswith("# @schema"):
            try:
                schema.update(json.loads(stripped[len("# @schema") :]))
            except json.JSONDecodeError as error:
                raise ValuesDocError(f"values.yaml:{number}: bad @schema JSON: {error}") from None
            in_description = False
            continue
        if stripped.startswith("#"):
            if in_description and stripped.startswith("#   "):
                description.append(stripped[1:].strip())
            else:
                in_description = False
            continue
        if not stripped:
            description, schema, in_description = [], {}, False
            continue
        match = KEY_LINE.match(line)
        if match is None:
            raise ValuesDocError(f"values.yaml:{number}: cannot read {line!r}")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = (*(stack[-1][1].path if stack else ()), match["key"])
        default = _lookup(tree, path)
        value = Value(path, " ".join(description), schema, default)
        (stack[-1][1].children if stack else roots).append(value)
        if value.is_group:
            if schema:
                raise ValuesDocError(f"values.yaml:{number}: a group ({'.'.join(path)}) takes no @schema")
            stack.append((indent, value))
        else:
            if not value.description:
                raise ValuesDocError(f"values.yaml:{number}: {'.'.join(path)} has no '# --' description")
            if isinstance(default, dict | list):
                leaf_indent = indent
        description, schema, in_description = [], {}, False
    return roots


def _schema_of(value: Value) -> dict[str, Any]:
    if value.is_group:
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {child.path[-1]: _schema_of(child) for child in value.children},
        }
    node: dict[str, Any] = {"description": value.description}
    inferred = JSON_TYPES.get(type(value.default))
    if "type" not in value.schema and inferred is not None:
        node["type"] = inferred
    node.update(value.schema)
    return node


def build_schema(values: list[Value]) -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "flowlog-operator chart values",
        "type": "object",
        "additionalProperties": False,
        # Helm adds `global` for every chart; allow it without describing it.
        "properties": {"global": {"type": "object"}} | {v.path[-1]: _schema_of(v) for v in values},
    }


def _leaves(values: list[Value]) -> list[Value]:
    out: list[Value] = []
    for value in values:
        out.extend(_leaves(value.children) if value.is_group else [value])
    return out


def _default_cell(default: Any) -> str:
    text = json.dumps(default, separators=(", ", ": ")) if default != "" else '""'
    return "`" + text.replace("|", "\\|") + "`"


def build_readme(values: list[Value]) -> str:
    head = README_HEAD.read_text(encoding="utf-8").rstrip("\n")
    rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for leaf in _leaves(values):
        schema = _schema_of(leaf)
        kind = schema.get("type", "")
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        if "enum" in schema:
            kind = " \\| ".join(f"`{item}`" for item in schema["enum"])
        description = leaf.description.replace("|", "\\|")
        rows.append(f"| `{'.'.join(leaf.path)}` | {kind} | {_default_cell(leaf.default)} | {description} |")
    return (
        f"{head}\n\n## Values\n\n"
        "<!-- Generated by hack/generate.py from the comments in values.yaml; do not edit by hand. -->\n\n"
        + "\n".join(rows)
        + "\n"
    )


def crd_text() -> str:
    from flowlog_operator.model import crd_yaml  # the operator package, installed in the venv

    return str(crd_yaml())


def outputs() -> dict[Path, str]:
    values = parse_values(VALUES.read_text(encoding="utf-8"))
    return {
        SCHEMA: json.dumps(build_schema(values), indent=2) + "\n",
        README: build_readme(values),
        CRD_COPY: crd_text(),
    }


def stale_files() -> list[Path]:
    return [
        path
        for path, text in outputs().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            shown = path.relative_to(CHART) if path.is_relative_to(CHART) else path
            print(f"stale: {shown}; regenerate with: python charts/flowlog-operator/hack/generate.py")
        return 1 if stale else 0
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
