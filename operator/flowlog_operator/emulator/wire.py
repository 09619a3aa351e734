"""The wire format: parameters in (query plus form body), JSON bodies and request IDs out.

Alibaba RPC parameters are flat strings; lists travel as ``Name.N`` and lists of
objects as ``Name.N.Field`` with 1-based indices. ``Params`` reads them back and
names the offending parameter in every refusal. Numbers are ASCII digits only:
``int()`` would also take ``٥`` or ``1_0``, which no Alibaba parameter accepts.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from flowlog_operator.emulator.errors import ApiError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json;charset=utf-8"
MAX_INDEX = 1000  # the largest N accepted in Name.N (the API's lists hold at most 50)
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
_SHOWN_NAME = 60


def shown_name(name: str) -> str:
    """A parameter name as a message shows it: cut when absurdly long."""
    return name if len(name) <= _SHOWN_NAME else f"{name[:_SHOWN_NAME]}... ({len(name)} characters)"


def is_ascii_integer(text: str) -> bool:
    """An optional minus and 1 to 18 ASCII digits (nothing else: no ``+``, spaces, ``_`` or other scripts)."""
    return _INTEGER.match(text) is not None


def new_request_id() -> str:
    """An upper-case UUID, as the real gateway sends."""
    return str(uuid.uuid4()).upper()


def parse_form(text: str) -> list[tuple[str, str]]:
    """Decode a query string or form body with form rules (``+`` is a space)."""
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")


def merge_params(query: Iterable[tuple[str, str]], body: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Query first, then the body: a parameter sent in both places takes the body's value."""
    merged = dict(query)
    merged.update(body)
    return merged


def iso8601(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso8601(text: str) -> float | None:
    """Seconds since the epoch for ``YYYY-MM-DDThh:mm:ssZ``, or ``None`` when malformed."""
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC).timestamp()


class Params:
    """Read-only access to one request's flat parameters."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def as_dict(self) -> dict[str, str]:
        return dict(self._values)

    def get(self, name: str) -> str | None:
        """The value, or ``None`` when absent; an empty string counts as absent."""
        value = self._values.get(name)
        return value if value else None

    def raw(self, name: str) -> str | None:
        """The value exactly as sent (``""`` kept), or ``None`` when absent."""
        return self._values.get(name)

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ApiError(
                "MissingParameter",
                f"The input parameter {name} that is mandatory for processing this request is not supplied.",
            )
        return value

    def integer(self, name: str, *, code: str = "InvalidParameter") -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if not is_ascii_integer(value):
            raise ApiError(
                code, f"The parameter {name} must be an integer in ASCII digits, got {value[:_SHOWN_NAME]!r}."
            )
        return int(value)

    def indexed(self, prefix: str, *, code: str = "InvalidParameter") -> list[tuple[str, str]]:
        """``Prefix.N`` values sorted by N, each with the name it was sent under."""
        pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)$")
        found = [(_index(m.group(1), key, code), key) for key in self._values if (m := pattern.match(key))]
        return [(key, self._values[key]) for _, key in sorted(found)]

    def indexed_objects(
        self, prefix: str, fields: tuple[str, ...], *, code: str = "InvalidParameter"
    ) -> list[tuple[str, dict[str, str | None]]]:
        """``Prefix.N.Field`` objects sorted by N, each with its ``Prefix.N`` name."""
        pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.({'|'.join(map(re.escape, fields))})$")
        objects: dict[int, dict[str, str | None]] = {}
        for key, value in self._values.items():
            match = pattern.match(key)
            if match:
                index = _index(match.group(1), key, code)
                objects.setdefault(index, dict.fromkeys(fields))[match.group(2)] = value
        return [(f"{prefix}.{index}", objects[index]) for index in sorted(objects)]


def _index(digits: str, name: str, code: str) -> int:
    """The N of ``Name.N``: ASCII digits from 1 to ``MAX_INDEX`` (``\\d`` also matches other scripts)."""
    if not (digits.isascii() and len(digits) <= len(str(MAX_INDEX)) and 1 <= int(digits) <= MAX_INDEX):
        raise ApiError(code, f"{shown_name(name)}: N must be a whole number from 1 to {MAX_INDEX}.")
    return int(digits)
