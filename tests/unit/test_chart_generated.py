"""The chart's generated files are fresh: README.md, values.schema.json and the CRD copy.

``charts/flowlog-operator/hack/generate.py`` derives them from values.yaml comments and from
``flowlog-operator crd``; an edit to either source without regenerating fails here, naming the command.
The documentation convention itself (every value described) is checked too.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from flowlog_operator.model import crd_manifest, crd_yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "flowlog-operator"
GENERATOR = CHART / "hack" / "generate.py"
REGENERATE = f".venv/bin/python {GENERATOR.relative_to(REPO)}"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flowlog_chart_generate", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def test_readme_schema_and_crd_copy_are_not_stale(generator: ModuleType) -> None:
    stale = [str(path.relative_to(REPO)) for path in generator.stale_files()]
    assert not stale, f"stale generated chart files {stale}; regenerate with: {REGENERATE}"


def test_crd_copy_in_the_chart_is_the_generated_crd() -> None:
    copy = CHART / "files" / "crds" / "flowlogs.vpc.alicloud.io.yaml"
    assert copy.read_text(encoding="utf-8") == crd_yaml()
    assert yaml.safe_load(copy.read_text(encoding="utf-8")) == crd_manifest()


def test_check_mode_reports_a_stale_readme(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# hand-edited\n", encoding="utf-8")
    monkeypatch.setattr(generator, "README", readme)
    assert generator.main(["--check"]) == 1
    assert f"stale: {readme}" in capsys.readouterr().out


def test_every_value_in_values_yaml_is_described_in_the_readme_and_schema(generator: ModuleType) -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    readme = (CHART / "README.md").read_text(encoding="utf-8")

    def walk(tree: dict[str, object], node: dict[str, object], prefix: str) -> None:
        properties = node["properties"]
        assert isinstance(properties, dict)
        for key, default in tree.items():
            path = f"{prefix}{key}"
            assert key in properties, f"{path} missing from values.schema.json"
            child = properties[key]
            if child.get("additionalProperties") is False and "description" not in child:
                assert isinstance(default, dict)
                walk(default, child, f"{path}.")
            else:
                assert child.get("description"), f"{path} has no description in the schema"
                assert f"| `{path}` |" in readme, f"{path} missing from README.md"

    walk(values, schema, "")


def test_an_undescribed_value_is_refused_by_the_generator(generator: ModuleType) -> None:
    with pytest.raises(generator.ValuesDocError, match=r"values.yaml:4: image.tag has no '# --' description"):
        generator.parse_values("image:\n  # -- Repository.\n  repository: y\n  tag: x\n")


def test_groups_are_closed_so_typos_are_refused() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    for key in ("image", "crds", "watch", "rbac", "serviceAccount", "credentials", "cloud", "operator"):
        assert schema["properties"][key]["additionalProperties"] is False, key
