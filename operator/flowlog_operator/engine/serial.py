"""One pass at a time per object, and the memory of what the last passes wrote.

kopf runs change handlers and daemons for the same object in different tasks; the per-object lock
makes their passes strictly sequential. A pass that starts right after another may carry a body
read before the previous status write landed, so the status fields the last passes wrote are laid
over the body's status until the API server shows them. Once a body shows them all they are forgotten:
a settled object keeps nothing here. They are also forgotten after :data:`OVERLAY_SECONDS` whatever
the body says: a write that never landed (or was overtaken) must not hide the real status for ever,
and the next drift check then sees, and repairs, what the API server holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from flowlog_operator.core.view import ObjectView

OVERLAY_SECONDS = 60.0


class ObjectSerializer:
    """Per-object locks and last-written status, keyed by object UID."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}
        self._written: dict[str, dict[str, Any]] = {}
        self._written_at: dict[str, float] = {}

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
        caught_up = all(view.status.get(key) == value for key, value in written.items())
        if caught_up or self._clock() - self._written_at[view.uid] > OVERLAY_SECONDS:
            # The body has caught up (a field written as None is absent), or it never will.
            self.forget(view.uid)
            return view
        status = dict(view.status)
        unstored = frozenset(key for key, value in written.items() if view.status.get(key) != value)
        for key, value in written.items():
            if value is None:
                status.pop(key, None)
            else:
                status[key] = value
        return replace(view, status=status, unstored=unstored, stored_status=view.status)

    def remember(self, uid: str, patch: Mapping[str, Any]) -> None:
        if patch:
            self._written.setdefault(uid, {}).update(patch)
            self._written_at[uid] = self._clock()

    def forget(self, uid: str) -> None:
        self._written.pop(uid, None)
        self._written_at.pop(uid, None)
