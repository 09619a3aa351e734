"""Optional state file: the whole account written atomically after every change, read back at start."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_FORMAT = 1


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        """The saved state, or ``None`` when there is no file yet."""
        if not self.path.exists():
            return None
        document: dict[str, Any] = json.loads(self.path.read_text())
        if document.get("format") != STATE_FORMAT:
            raise ValueError(f"{self.path}: unsupported state format {document.get('format')!r}")
        return document

    def save(self, state: dict[str, Any]) -> None:
        """Write a temporary file beside the target, flush it to disk, then rename it over the target."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"format": STATE_FORMAT, **state}, indent=1, sort_keys=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
