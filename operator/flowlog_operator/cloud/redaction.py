"""Keep secrets out of log lines that other libraries write.

httpx logs every request URL at INFO level. A v2-signed URL carries ``Signature`` and
``SecurityToken``, and an STS AssumeRoleWithOIDC URL carries ``OIDCToken``, so a filter on the
``httpx`` logger masks those parameters before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

__all__ = ["SECRET_PARAMETERS", "SecretRedactingFilter", "install_httpx_log_redaction", "redact"]

SECRET_PARAMETERS = ("Signature", "SecurityToken", "OIDCToken", "AccessKeySecret")
_SECRET_PARAM = re.compile(r"(?<![A-Za-z])(" + "|".join(SECRET_PARAMETERS) + r")=[^&\s\"']*")
_MASK = "***"


def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter masked."""
    return _SECRET_PARAM.sub(lambda match: f"{match.group(1)}={_MASK}", text)


class SecretRedactingFilter(logging.Filter):
    """Rewrites a record's message with secret query parameters masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_httpx_log_redaction() -> None:
    """Attach the filter to the ``httpx`` logger once (idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, SecretRedactingFilter) for existing in logger.filters):
        logger.addFilter(SecretRedactingFilter())
