"""Flatten structured request parameters into RPC query parameters, as the official SDK does.

- a list of scalars ``TrafficPath=["all", "vbr"]`` becomes ``TrafficPath.1=all&TrafficPath.2=vbr`` (1-based);
- a list of objects ``Tag=[{"Key": "env", "Value": "dev"}]`` becomes ``Tag.1.Key=env&Tag.1.Value=dev``;
- a nested mapping becomes ``Prefix.Sub``;
- ``None`` and empty lists emit nothing; integers are decimal strings;
- booleans are ``true``/``false`` (the SDK would send Python's ``True``; our only boolean,
  ``UnTagResources.All``, is safer lower-case).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["flatten_params", "scalar_to_wire"]


def scalar_to_wire(value: object) -> str:
    """The wire string of one scalar parameter value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} as an RPC parameter")


def flatten_params(params: Mapping[str, Any]) -> dict[str, str]:
    """``{name: value}`` with nested lists and mappings flattened into dotted names."""
    flat: dict[str, str] = {}
    for name, value in params.items():
        _flatten_into(flat, name, value)
    return flat


def _flatten_into(flat: dict[str, str], prefix: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(flat, f"{prefix}.{key}", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            _flatten_into(flat, f"{prefix}.{index}", item)
    else:
        flat[prefix] = scalar_to_wire(value)
