"""One pass at a time per object, and the memory of what the last pass wrote.

kopf runs change handlers and timers for the same object in different tasks; the per-object lock
makes their passes strictly sequential. A pass that starts right after another may carry a body
read before the previous status write landed, so the status fields the last pass wrote are laid
over the body's status until the API server shows them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from flowlog_operator.core.view import ObjectView


class ObjectSerializer:
    """Per-object locks and last-written status, keyed by object UID."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}
        self._written: dict[str, dict[str, Any]] = {}

    @asynccontextmanager
    async def hold(self, uid: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(uid, asyncio.Lock())
        self._holders[uid] = self._holders.get(uid, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[uid] -= 1
            if self._holders[uid] == 0:
                del self._holders[uid]
                del self._locks[uid]

    def busy(self, uid: str) -> bool:
        return uid in self._holders

    def overlay(self, view: ObjectView) -> ObjectView:
        """``view`` with the status fields the previous pass wrote, where the body lags behind."""
        written = self._written.get(view.uid)
        if not written:
            return view
        status = dict(view.status)
        for key, value in written.items():
            if value is None:
                status.pop(key, None)
            else:
                status[key] = value
        return replace(view, status=status)

    def remember(self, uid: str, patch: Mapping[str, Any]) -> None:
        if patch:
            self._written.setdefault(uid, {}).update(patch)

    def forget(self, uid: str) -> None:
        self._written.pop(uid, None)
