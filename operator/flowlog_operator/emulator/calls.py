"""The call ledger: how many calls each action received, and how each ended.

Every call that names an action is counted, whatever happens to it next:
refused by authentication, throttled, answered with an injected fault, dropped,
or served. The outcome is what the emulator did: the error code, ``OK``, or
``dropped`` (closed before the action ran). A call whose answer was lost after
the action ran keeps its outcome (``OK`` when it took effect) and is also
counted under ``lost_answers`` by mode. Names that are not actions of the
emulator share one entry, ``(unknown action)``, so what anybody sends without a
key cannot grow the ledger.

The log (``GET /_emulator/calls/log``) keeps the most recent calls one by one: when each arrived,
its action, the AccessKey ID it names (read from the request, verified or not, cut to
:data:`KEY_ID_CHARS`) and its outcome, so a test with several clients can tell which of them made a
call, and when.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

LOG_LENGTH = 100_000
KEY_ID_CHARS = 128
UNKNOWN_ACTION = "(unknown action)"


@dataclass
class CallRecord:
    """One call: arrival time (Unix seconds), action, the AccessKey ID it names, outcome once known."""

    at: float
    action: str
    access_key_id: str
    outcome: str = ""

    def to_document(self) -> dict[str, object]:
        return {
            "time": self.at,
            "action": self.action,
            "accessKeyId": self.access_key_id,
            "outcome": self.outcome or "pending",
        }


class CallLedger:
    def __init__(self, known_actions: Iterable[str], log_length: int = LOG_LENGTH) -> None:
        self._known = frozenset(known_actions)
        self._totals: Counter[str] = Counter()
        self._outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._log: deque[CallRecord] = deque(maxlen=log_length)
        self._lost: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def received(self, action: str, *, at: float, access_key_id: str = "") -> CallRecord:
        """Count one call; returns its record (pass it to ``finished``)."""
        entry = action if action in self._known else UNKNOWN_ACTION
        self._totals[entry] += 1
        record = CallRecord(at, entry, access_key_id[:KEY_ID_CHARS])
        self._log.append(record)
        return record

    def finished(self, record: CallRecord, outcome: str, lost_answer: str | None = None) -> None:
        record.outcome = outcome
        self._outcomes[record.action][outcome] += 1
        if lost_answer is not None:
            self._lost[record.action][lost_answer] += 1

    def totals(self) -> dict[str, int]:
        return dict(self._totals)

    def detail(self) -> dict[str, dict[str, object]]:
        """Per action ``{"total", "outcomes"}``, plus ``lost_answers`` (by mode) when any was lost."""
        detail: dict[str, dict[str, object]] = {}
        for action, total in self._totals.items():
            detail[action] = {"total": total, "outcomes": dict(self._outcomes[action])}
            lost = self._lost.get(action)
            if lost:
                detail[action]["lost_answers"] = dict(lost)
        return detail

    def log(self) -> list[dict[str, object]]:
        return [record.to_document() for record in self._log]

    def clear(self) -> None:
        self._totals.clear()
        self._outcomes.clear()
        self._log.clear()
        self._lost.clear()
