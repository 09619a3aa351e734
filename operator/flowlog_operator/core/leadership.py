"""Leader election on a Lease, as pure rules: who may take it, what to write, when a leader must stop.

The algorithm Kubernetes controllers use on a ``coordination.k8s.io/v1`` Lease:

* A candidate takes the Lease when there is none, when it has been released (no holder), or when its
  holder has not renewed it for ``leaseDurationSeconds``. That span is measured with the candidate's own
  monotonic clock, from the moment the candidate first saw the record as it is now, never from the
  timestamps in the record (another machine's clock).
* The holder renews it every retry period; each write carries the ``resourceVersion`` it read, so of two
  candidates writing at once only one succeeds.
* A holder that has not renewed for the renew deadline (shorter than the lease) stops acting, so it is
  silent before any other process can see the lease as expired.

No clock is read here: callers pass ``now`` (monotonic seconds) and ``wall`` (the time written into the
record, for people reading ``kubectl get lease -o yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

RELEASED_LEASE_SECONDS = 1
"""``leaseDurationSeconds`` of a released Lease (no holder): anyone may take it at once."""


@dataclass(frozen=True)
class LeaseTimings:
    """How long a lease lasts, how long its holder may fail to renew it, and how often anyone tries."""

    lease_seconds: int = 15
    renew_deadline: float = 10.0
    retry: float = 2.0

    def problem(self) -> str | None:
        """Why these timings cannot fence a leader in time, or ``None`` when they can."""
        if self.lease_seconds < 1 or self.renew_deadline <= 0 or self.retry <= 0:
            return "every duration must be positive"
        if self.renew_deadline >= self.lease_seconds:
            return (
                f"the renew deadline ({self.renew_deadline:g}s) must be shorter than the lease "
                f"({self.lease_seconds}s), or a leader could still act after its lease passed to another"
            )
        if self.retry >= self.renew_deadline:
            return (
                f"the retry period ({self.retry:g}s) must be shorter than the renew deadline "
                f"({self.renew_deadline:g}s), or a leader could not renew before it must stop"
            )
        return None


@dataclass(frozen=True)
class LeaseRecord:
    """The Lease's spec as the election reads and writes it, with the version it was read at."""

    holder: str = ""
    lease_seconds: int = 0
    acquired: datetime | None = None
    renewed: datetime | None = None
    transitions: int = 0
    version: str = ""
    """``metadata.resourceVersion``; empty for a Lease not created yet."""

    def same_claim(self, other: LeaseRecord | None) -> bool:
        """The same holder's claim, renewal included: everything but the version is equal."""
        return other is not None and replace(self, version="") == replace(other, version="")


@dataclass(frozen=True)
class Sighting:
    """A Lease record (``None``: no Lease) and the monotonic time this claim was first seen."""

    record: LeaseRecord | None
    since: float


def sight(previous: Sighting | None, record: LeaseRecord | None, now: float) -> Sighting:
    """What we know after reading ``record`` at ``now``: the clock restarts only when the claim changed."""
    if previous is not None:
        unchanged = (
            previous.record is None and record is None
            if previous.record is None or record is None
            else previous.record.same_claim(record)
        )
        if unchanged:
            return Sighting(record, previous.since)
    return Sighting(record, now)


def expired(sighting: Sighting, now: float) -> bool:
    """Whether the holder has let ``leaseDurationSeconds`` pass, by our clock, without renewing."""
    record = sighting.record
    return record is None or now >= sighting.since + max(0, record.lease_seconds)


def claim(
    sighting: Sighting, *, identity: str, timings: LeaseTimings, now: float, wall: datetime
) -> LeaseRecord | None:
    """The record to write to take or renew the Lease, or ``None`` while another holder's lease runs."""
    record = sighting.record
    if record is None:
        return LeaseRecord(identity, timings.lease_seconds, acquired=wall, renewed=wall)
    ours = record.holder == identity
    if record.holder and not ours and not expired(sighting, now):
        return None
    return LeaseRecord(
        holder=identity,
        lease_seconds=timings.lease_seconds,
        acquired=record.acquired if ours and record.acquired else wall,
        renewed=wall,
        transitions=record.transitions if ours else record.transitions + 1,
        version=record.version,
    )


def released(record: LeaseRecord, *, wall: datetime) -> LeaseRecord:
    """The record a holder writes when it stops on purpose: no holder, so the next candidate need not wait."""
    return replace(record, holder="", lease_seconds=RELEASED_LEASE_SECONDS, renewed=wall)


def leading(renewed_at: float | None, now: float, timings: LeaseTimings) -> bool:
    """Whether a holder may still act: its last successful renewal, sent at ``renewed_at``, is recent.

    ``renewed_at`` is when the renewal was *sent*: others start counting the lease only when they read
    it, later, so the holder's own count never runs behind theirs.
    """
    return renewed_at is not None and now - renewed_at < timings.renew_deadline
