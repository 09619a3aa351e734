"""The Argo CD health check (deploy/argocd/health.lua) tells each FlowLog state apart.

The script runs in Lua 5.1 (the dialect of Argo CD's gopher-lua) through lupa, with each fixture in
tests/fixtures/argocd/<expected status>/ as the live object ``obj``. The argocd-cm snippet must carry the
script verbatim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import lua51

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "argocd" / "health.lua"
ARGOCD_CM = REPO / "deploy" / "argocd" / "argocd-cm.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "argocd"
STATUSES = {
    "healthy": "Healthy",
    "progressing": "Progressing",
    "degraded": "Degraded",
    "suspended": "Suspended",
}
HEALTH_KEY = "resource.customizations.health.vpc.alicloud.io_FlowLog"


def run_health_check(obj: dict[str, Any], script: str | None = None) -> dict[str, str]:
    """Run the script as Argo CD does: ``obj`` global, a table with status and message returned."""
    runtime = lua51.LuaRuntime(unpack_returned_tuples=True)
    runtime.globals().obj = runtime.table_from(obj, recursive=True)
    result = runtime.execute(script if script is not None else SCRIPT.read_text(encoding="utf-8"))
    return {"status": str(result["status"]), "message": str(result["message"])}


def fixtures() -> list[Any]:
    return [
        pytest.param(path, STATUSES[path.parent.name], id=f"{path.parent.name}/{path.stem}")
        for path in sorted(FIXTURES.glob("*/*.yaml"))
    ]


@pytest.mark.parametrize(("fixture", "expected"), fixtures())
def test_each_fixture_state_gets_its_health_status(fixture: Path, expected: str) -> None:
    health = run_health_check(yaml.safe_load(fixture.read_text(encoding="utf-8")))
    assert health["status"] == expected, f"{fixture.read_text(encoding='utf-8').splitlines()[0]} -> {health}"
    assert health["message"].strip(), health


def test_every_health_status_has_fixtures() -> None:
    for folder in STATUSES:
        assert len(list((FIXTURES / folder).glob("*.yaml"))) >= 3, folder


def test_degraded_message_carries_the_cloud_error_code() -> None:
    obj = yaml.safe_load((FIXTURES / "degraded" / "alibaba-error-code.yaml").read_text(encoding="utf-8"))
    assert run_health_check(obj)["message"].startswith("Forbidden.NotAuthorized: ")


def test_a_terminal_error_on_an_unobserved_generation_is_progressing_not_degraded() -> None:
    # The user fixed the spec (generation 2) but the operator has not looked yet: no verdict.
    obj = yaml.safe_load((FIXTURES / "degraded" / "resource-not-found.yaml").read_text(encoding="utf-8"))
    obj["metadata"]["generation"] = 2
    assert run_health_check(obj)["status"] == "Progressing"


def test_progress_reasons_are_never_degraded() -> None:
    base = yaml.safe_load((FIXTURES / "progressing" / "creating.yaml").read_text(encoding="utf-8"))
    for reason in (
        "Creating",
        "Activating",
        "Deactivating",
        "Deleting",
        "Recreating",
        "Reconciling",
        "Adopted",
    ):
        base["status"]["conditions"][0]["reason"] = reason
        assert run_health_check(base)["status"] == "Progressing", reason


def test_argocd_cm_snippet_carries_the_script_verbatim() -> None:
    config_map = yaml.safe_load(ARGOCD_CM.read_text(encoding="utf-8"))
    assert config_map["kind"] == "ConfigMap"
    assert config_map["metadata"]["name"] == "argocd-cm"
    assert config_map["data"][HEALTH_KEY] == SCRIPT.read_text(encoding="utf-8")


def test_the_snippet_script_runs_too() -> None:
    config_map = yaml.safe_load(ARGOCD_CM.read_text(encoding="utf-8"))
    obj = yaml.safe_load((FIXTURES / "healthy" / "active.yaml").read_text(encoding="utf-8"))
    assert run_health_check(obj, config_map["data"][HEALTH_KEY])["status"] == "Healthy"
