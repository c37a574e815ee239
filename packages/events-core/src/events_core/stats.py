"""What a bus reports: its counters, and the outcome of draining it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BusStats", "DrainReport"]


@dataclass
class BusStats:
    """Counters of one bus. Every event that is not handled shows up in one of them."""

    #: Events handed to the handlers (each event counted once, whatever the number of handlers).
    handled: int = 0
    #: Handler failures (one handler failing on one batch counts once).
    failed: int = 0
    #: Events a failure policy chose not to handle.
    discarded: int = 0
    #: Events still pending when the bus was closed, cancelled after the drain timeout.
    dropped: int = 0
    #: Events refused by ``dispatch()`` because ``max_pending`` were already waiting.
    rejected: int = 0


@dataclass(frozen=True)
class DrainReport:
    """What a :meth:`EventBus.drain` or :meth:`EventBus.aclose` achieved."""

    #: Events whose handling finished while draining.
    handled: int
    #: Events still pending when the timeout ran out.
    pending: int
