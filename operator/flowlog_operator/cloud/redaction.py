"""Keep credentials out of everything the cloud package lets out: error messages and log lines.

A gateway that refuses a signature echoes what it signed (the canonical request or string-to-sign),
and that carries the AccessKeyId and the STS token. Error messages end up in conditions, Events and
logs that namespace viewers can read, so `redact` masks credentials with two nets:

- **by name**: the value after a name that always introduces a credential (``AccessKeyId``,
  ``AccessKeySecret``, ``SecurityToken``, ``OIDCToken``, ``Signature``, the ACS3 ``Credential``), in
  the forms it takes on the wire and in echoes: ``Name=value`` in a query or an ``Authorization``
  header, ``Name%3Dvalue`` percent-encoded once or twice inside a string-to-sign, ``"Name": "value"``
  in JSON, and the canonical header lines ``x-acs-accesskey-id:value`` and
  ``x-acs-security-token:value``;
- **by value**: every credential this process signs with (the signer and the RRSA provider call
  `remember_secrets` on every use, so refreshed STS credentials are known from their first request)
  and every credential the failing request carried (`secrets_in_request`), masked wherever it
  appears, raw or URL-encoded. Values shorter than `MIN_SECRET_LENGTH` are masked by name only: as bare
  substrings they would mangle ordinary words (real AccessKey IDs, secrets and tokens are longer).

`CloudError` redacts its message when it is made, so no exception of this package carries a raw
message; `SecretRedactingFilter` does the same for log records (message and traceback) of the loggers
and handlers it is installed on.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import httpx

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "SECRET_PARAMETERS",
    "SecretRedactingFilter",
    "install_httpx_log_redaction",
    "install_log_redaction",
    "redact",
    "remember_secrets",
    "secrets_in_request",
]

MASK = "***"
MIN_SECRET_LENGTH = 12
# Names whose value is always a credential, as query parameters, JSON keys or ACS3 header fields.
SECRET_PARAMETERS = (
    "AccessKeyId",
    "AccessKeySecret",
    "SecurityToken",
    "OIDCToken",
    "Signature",
    "Credential",
)
SECRET_HEADERS = ("x-acs-accesskey-id", "x-acs-security-token")
# How many credential values to remember (oldest forgotten first): a few refreshes' worth.
_CAPACITY = 64

_NAMES = "|".join(SECRET_PARAMETERS)
# ``Name=value``; ``=`` and the ``&`` that ends the value may be percent-encoded any number of times.
# No word boundary in front: inside an encoded echo the name follows ``%26`` or ``%3F`` directly.
_EQUALS_FORM = re.compile(
    rf"(?P<name>{_NAMES})(?P<sep>=|%(?:25)*3D)(?P<value>(?:(?!%(?:25)*26)[^&\s\"',;\\])+)",
    re.IGNORECASE,
)
# ``"Name": "value"`` (JSON, or a Python repr with single quotes).
_QUOTED_FORM = re.compile(
    rf"(?P<name>(?P<q>[\"'])(?:{_NAMES})(?P=q)\s*:\s*)(?P<open>[\"'])(?P<value>[^\"']+)(?P=open)",
    re.IGNORECASE,
)
# ``x-acs-security-token:value`` in a canonical request (a repr shows the newline after it as ``\n``).
_HEADER_FORM = re.compile(
    rf"(?P<name>{'|'.join(SECRET_HEADERS)})(?P<sep>\s*:\s*)(?P<value>[^\s\\\"',]+)",
    re.IGNORECASE,
)


class _KnownSecrets:
    """The credential values this process has used, most recent last, bounded."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._values: OrderedDict[str, None] = OrderedDict()
        self._forms: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def remember(self, values: Iterable[str | None]) -> None:
        fresh = [value for value in values if value and len(value) >= MIN_SECRET_LENGTH]
        if all(value in self._values for value in fresh):
            return
        with self._lock:
            for value in fresh:
                self._values[value] = None
                self._values.move_to_end(value)
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)
            self._forms = _forms_of(self._values)

    @property
    def forms(self) -> tuple[str, ...]:
        return self._forms


def _encodings(value: str) -> set[str]:
    """``value`` as it may appear in a message: raw, percent-encoded once or twice, form-encoded."""
    once = quote(value, safe="-_.~")
    return {value, once, quote(once, safe="-_.~"), quote(value), quote_plus(value), value.replace("/", "\\/")}


def _forms_of(values: Iterable[str]) -> tuple[str, ...]:
    forms = {form for value in values for form in _encodings(value)}
    # Longest first, so that a form containing another is masked whole.
    return tuple(sorted(forms, key=len, reverse=True))


_KNOWN = _KnownSecrets(_CAPACITY)


def remember_secrets(*values: str | None) -> None:
    """Mask these values (AccessKey ID and secret, STS token, OIDC token) from now on."""
    _KNOWN.remember(values)


def secrets_in_request(request: httpx.Request | None) -> tuple[str, ...]:
    """The credential values a signed request carried: query parameters, headers, the ACS3 header."""
    if request is None:
        return ()
    found = [value for name, value in request.url.params.multi_items() if name in SECRET_PARAMETERS]
    found += [request.headers.get(name, "") for name in SECRET_HEADERS]
    authorization = request.headers.get("authorization", "")
    found += [match.group("value") for match in _EQUALS_FORM.finditer(authorization)]
    return tuple(value for value in found if value)


def _mask_value(match: re.Match[str]) -> str:
    whole, start = match.group(0), match.start(0)
    return whole[: match.start("value") - start] + MASK + whole[match.end("value") - start :]


def redact(text: str, also: Iterable[str] = ()) -> str:
    """``text`` with every known credential value (and those in ``also``) and every named one masked."""
    forms = _KNOWN.forms
    extra = [value for value in also if value and len(value) >= MIN_SECRET_LENGTH]
    if extra:
        forms = tuple(sorted({*forms, *_forms_of(extra)}, key=len, reverse=True))
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    for pattern in (_EQUALS_FORM, _QUOTED_FORM, _HEADER_FORM):
        text = pattern.sub(_mask_value, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with credentials masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: the handler reports it, with nothing formatted yet
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters use exc_text when there is no exc_info: format the traceback once, masked.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(*logger_names: str, handlers: Iterable[logging.Handler] = ()) -> None:
    """Attach one filter to each named logger and each handler (idempotent).

    A logger's filter sees only records logged on that very logger; a handler's sees every record
    the handler receives, whichever logger it came from.
    """
    filterers: list[logging.Filterer] = [logging.getLogger(name) for name in logger_names]
    filterers += list(handlers)
    for filterer in filterers:
        if not any(isinstance(existing, SecretRedactingFilter) for existing in filterer.filters):
            filterer.addFilter(SecretRedactingFilter())


def install_httpx_log_redaction() -> None:
    """httpx logs every request URL at INFO level, and a v2-signed or STS URL carries credentials."""
    install_log_redaction("httpx")
