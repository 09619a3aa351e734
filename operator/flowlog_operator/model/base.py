"""The base of every model: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """A pydantic model whose fields are read and written under their camelCase Kubernetes names."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        frozen=True,
    )

    def to_dict(self, *, exclude_none: bool = True) -> dict[str, Any]:
        """The wire (JSON-compatible, camelCase) form, leaving out unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=exclude_none)
