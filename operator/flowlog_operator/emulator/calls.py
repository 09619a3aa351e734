"""Counts of API calls per action, and of their outcomes, for ``GET /_emulator/calls``.

Every call that names an action is counted, whatever happens to it next:
refused by authentication, throttled, answered with an injected fault, dropped,
or served. The outcome is the error code, ``OK``, or ``dropped``.
"""

from __future__ import annotations

from collections import Counter, defaultdict


class CallLedger:
    def __init__(self) -> None:
        self._totals: Counter[str] = Counter()
        self._outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def received(self, action: str) -> None:
        self._totals[action] += 1

    def finished(self, action: str, outcome: str) -> None:
        self._outcomes[action][outcome] += 1

    def totals(self) -> dict[str, int]:
        return dict(self._totals)

    def detail(self) -> dict[str, dict[str, object]]:
        return {
            action: {"total": total, "outcomes": dict(self._outcomes[action])}
            for action, total in self._totals.items()
        }

    def clear(self) -> None:
        self._totals.clear()
        self._outcomes.clear()
