"""How long the loop waits before looking again, by situation. Pure arithmetic, no clock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Requeue delays in seconds."""

    poll: float = 2.0
    """While the cloud reports a transient state (Activating, Deactivating, Deleting)."""
    retry: float = 5.0
    """First delay after a retryable failure; doubles per consecutive failure."""
    retry_max: float = 30.0
    terminal: float = 30.0
    """First delay after a terminal failure (needs a human); doubles up to ``terminal_max``."""
    terminal_max: float = 600.0
    resync: float = 600.0
    """Settled objects are checked for drift this often."""

    def retry_after(self, failures: int) -> float:
        return min(self.retry_max, self.retry * 2.0 ** max(0, failures - 1))

    def terminal_after(self, failures: int) -> float:
        return min(self.terminal_max, self.terminal * 2.0 ** max(0, failures - 1))
