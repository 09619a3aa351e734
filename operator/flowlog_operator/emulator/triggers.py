"""The CreateFlowLog error-trigger table (``create_error_triggers.yaml``) as data and as Markdown.

``python -m flowlog_operator.emulator.triggers`` prints the table README.md carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class CreateErrorTrigger:
    code: str
    how: str
    params: dict[str, str | None] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)
    inventory: dict[str, Any] = field(default_factory=dict)
    precreate: bool = False


def _document() -> dict[str, Any]:
    text = resources.files("flowlog_operator.emulator").joinpath("create_error_triggers.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def base_params() -> dict[str, str]:
    return {str(k): str(v) for k, v in _document()["base_params"].items()}


def create_error_triggers() -> list[CreateErrorTrigger]:
    return [CreateErrorTrigger(**item) for item in _document()["triggers"]]


def request_params(trigger: CreateErrorTrigger) -> dict[str, str]:
    """The base parameters with the trigger's overrides applied (``None`` removes one)."""
    params: dict[str, str | None] = {**base_params(), **trigger.params}
    return {key: str(value) for key, value in params.items() if value is not None}


def _inline(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, default_flow_style=True, width=10_000).strip().replace("|", "\\|")


def markdown_table() -> str:
    rows = ["| Code (HTTP 400) | How to trigger it | Reproduce with |", "| --- | --- | --- |"]
    for trigger in create_error_triggers():
        recipe = []
        if trigger.account:
            recipe.append(f"account `{_inline(trigger.account)}`")
        if trigger.inventory:
            recipe.append(f"inventory `{_inline(trigger.inventory)}`")
        if trigger.precreate:
            recipe.append("create the base flow log first")
        if trigger.params:
            recipe.append(f"params `{_inline(trigger.params)}`")
        how = trigger.how.replace("|", "\\|")
        rows.append(f"| `{trigger.code}` | {how} | {'; '.join(recipe) or 'base params'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
