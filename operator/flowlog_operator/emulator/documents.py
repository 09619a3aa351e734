"""Typed reading of the admin interface's JSON documents: every refusal names the field.

JSON already has types, so the admin interface takes them at their word: a
switch is ``true`` or ``false`` (the string ``"false"`` is refused, never read
as true), a number is a finite JSON number inside its range (``1e400``,
``NaN`` and ``Infinity`` are refused), a count is a whole number.
"""

from __future__ import annotations

import math
from typing import Any

_SHOWN = 60


class DocumentError(ValueError):
    """A field of an admin document has the wrong type or value; the message names the field."""


def show(value: object) -> str:
    """A short rendering of ``value`` for a message (long inputs are cut)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


def key_name(parent: str, key: str) -> str:
    """``parent.key`` for a field inside a mapping; an absurd key is shown cut and quoted."""
    return f"{parent}.{key}" if key.isprintable() and len(key) <= _SHOWN else f"{parent}[{show(key)}]"


def boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise DocumentError(f"{name} must be true or false (a JSON boolean), got {show(value)}")
    return value


def integer(value: object, name: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DocumentError(f"{name} must be a whole number, got {show(value)}")
    if not minimum <= value <= maximum:
        raise DocumentError(f"{name} must be between {minimum} and {maximum}, got {show(value)}")
    return value


def number(value: object, name: str, *, minimum: float, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DocumentError(f"{name} must be a number, got {show(value)}")
    result = float(value)
    if not math.isfinite(result) or not minimum <= result <= maximum:
        raise DocumentError(
            f"{name} must be a finite number between {minimum:g} and {maximum:g}, got {show(value)}"
        )
    return result


def string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise DocumentError(f"{name} must be a string, got {show(value)}")
    return value


def string_list(value: object, name: str) -> list[str]:
    if not isinstance(value, list):
        raise DocumentError(f"{name} must be a list of strings, got {show(value)}")
    return [string(item, f"{name}[{index}]") for index, item in enumerate(value)]


def mapping(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DocumentError(f"{name} must be a JSON object, got {show(value)}")
    return value
