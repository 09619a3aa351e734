"""CEL validation rules declared once, enforced twice: by the API server and by pydantic.

A :class:`CelRule` is used as an ``Annotated`` marker on a field type (or listed in a model's
``CEL_RULES``). It adds an entry to the schema node's ``x-kubernetes-validations``, which the API
server evaluates, and, when it carries a Python ``check`` with the same meaning, it also makes
pydantic refuse the value with the same message. Transition rules (those using ``oldSelf``) compare
two versions of an object, which a single model instance cannot see, so they have no ``check``.

Every message names the field it is about (``spec.flowLogName must ...``), because that is what the
user sees in the ``kubectl apply`` error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

VALIDATIONS_KEY = "x-kubernetes-validations"


@dataclass(frozen=True)
class CelRule:
    """One ``x-kubernetes-validations`` entry, optionally with its Python equivalent."""

    rule: str
    message: str
    check: Callable[[Any], bool] | None = field(default=None, compare=False)
    field_path: str | None = None
    reason: str | None = None

    @property
    def is_transition(self) -> bool:
        """Whether the rule compares with the previous version (runs on update only)."""
        return "oldSelf" in self.rule

    def to_validation(self) -> dict[str, str]:
        """The rule as it appears in the CRD."""
        entry = {"rule": self.rule, "message": self.message}
        if self.field_path is not None:
            entry["fieldPath"] = self.field_path
        if self.reason is not None:
            entry["reason"] = self.reason
        return entry

    def validate(self, value: Any) -> Any:
        """Raise ``ValueError`` with the rule's message if the Python check fails."""
        if self.check is not None and not self.check(value):
            raise ValueError(self.message)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = handler(source)
        if self.check is None:
            return inner
        return core_schema.no_info_after_validator_function(self.validate, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return with_rules(handler(schema), [self])


def with_rules(node: JsonSchemaValue, rules: list[CelRule] | tuple[CelRule, ...]) -> JsonSchemaValue:
    """A copy of a JSON schema node with ``rules`` appended to its ``x-kubernetes-validations``."""
    existing = list(node.get(VALIDATIONS_KEY, []))
    return {**node, VALIDATIONS_KEY: existing + [rule.to_validation() for rule in rules]}


def immutable(field_name: str) -> CelRule:
    """``self == oldSelf`` on a field that is always present once set (a required field)."""
    return CelRule(
        rule="self == oldSelf",
        message=f"{field_name} is immutable: the cloud cannot change it; delete and recreate the FlowLog",
        reason="FieldValueForbidden",
    )


def no_url_prefix(field_name: str) -> CelRule:
    """The cloud's rule for names and descriptions: no ``http://`` or ``https://`` at the start."""
    return CelRule(
        rule="!self.startsWith('http://') && !self.startsWith('https://')",
        message=f"{field_name} must not start with http:// or https://",
        check=lambda value: not str(value).startswith(("http://", "https://")),
    )
