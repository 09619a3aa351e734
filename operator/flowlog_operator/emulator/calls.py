"""Counts of API calls per action and outcome, and a log of who called, for ``GET /_emulator/calls``.

Every call that names an action is counted, whatever happens to it next:
refused by authentication, throttled, answered with an injected fault, dropped,
or served. The outcome is the error code, ``OK``, or ``dropped``.

The log (``GET /_emulator/calls/log``) keeps the most recent calls one by one: when each arrived,
its action, the AccessKey ID it names (read from the request, verified or not) and its outcome, so a
test with several clients can tell which of them made a call, and when.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass

LOG_LENGTH = 100_000


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
    def __init__(self, log_length: int = LOG_LENGTH) -> None:
        self._totals: Counter[str] = Counter()
        self._outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._log: deque[CallRecord] = deque(maxlen=log_length)

    def received(self, action: str, *, at: float, access_key_id: str = "") -> CallRecord:
        self._totals[action] += 1
        record = CallRecord(at, action, access_key_id)
        self._log.append(record)
        return record

    def finished(self, record: CallRecord, outcome: str) -> None:
        record.outcome = outcome
        self._outcomes[record.action][outcome] += 1

    def totals(self) -> dict[str, int]:
        return dict(self._totals)

    def detail(self) -> dict[str, dict[str, object]]:
        return {
            action: {"total": total, "outcomes": dict(self._outcomes[action])}
            for action, total in self._totals.items()
        }

    def log(self) -> list[dict[str, object]]:
        return [record.to_document() for record in self._log]

    def clear(self) -> None:
        self._totals.clear()
        self._outcomes.clear()
        self._log.clear()
