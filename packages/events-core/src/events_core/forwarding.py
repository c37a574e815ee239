"""A base for handlers that forward events to a broker in batches (SQS, Pub/Sub, ...).

Events of concurrent requests share batches: each ``handle_many`` call queues its events and
waits for their outcome; a pump sends full batches, ``max_in_flight`` at a time, retrying
transient failures with backoff. Failures are reported per event in the caller's context (log,
counter, ``on_error``), and never take the rest of a batch with them.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import EventsError
from .failures import report_failure
from .handler import BaseEventHandler
from .retry import Backoff
from .types import Event, name_of

__all__ = ["OUTAGE_BACKOFF", "BatchingForwarder", "DeliveryError", "Outgoing"]

#: The default retry schedule of forwarders: 12 attempts over about 63 seconds, so that a broker
#: outage of a minute loses nothing while the process lives.
OUTAGE_BACKOFF = Backoff(initial=0.2, factor=2.0, maximum=10.0, attempts=12)

logger = logging.getLogger("events_core")


class DeliveryError(EventsError):
    """An event could not be delivered to a broker; ``permanent`` when retrying cannot help."""

    broker = "the broker"

    def __init__(self, event_name: str, reason: str, *, permanent: bool) -> None:
        self.event_name = event_name
        self.permanent = permanent
        kind = "rejected" if permanent else "not delivered after retries"
        super().__init__(f"event {event_name!r} {kind} by {self.broker}: {reason}")


@dataclass
class Outgoing:
    """One event on its way out: the broker's request for it, its size, and its outcome."""

    event: Event
    request: Any
    size: int
    #: Resolved with ``None`` once delivered, or with the error that stopped it.
    outcome: asyncio.Future[Exception | None] | None = None

    def done(self, error: Exception | None) -> None:
        if self.outcome is not None and not self.outcome.done():
            self.outcome.set_result(error)


class BatchingForwarder(BaseEventHandler):
    """Subclasses say how to prepare one event (:meth:`prepare`), how many bytes a batch may
    hold (:meth:`batch_limit`) and how to send a batch once (:meth:`attempt`)."""

    #: The error type reported for events that could not be delivered.
    error_type: type[DeliveryError] = DeliveryError
    #: Most events waiting to be delivered (queued or being retried); beyond it, new events
    #: are reported as not delivered at once, so memory stays bounded during an outage.
    max_buffered = 10_000

    def __init__(
        self, *, max_batch_size: int, max_in_flight: int, backoff: Backoff | None, ordered: bool
    ) -> None:
        self.max_batch_size = max_batch_size
        self.backoff = backoff or OUTAGE_BACKOFF
        self._outstanding = 0
        # Ordered delivery keeps the order in which batches arrive: one batch at a time.
        self._slots = asyncio.Semaphore(1 if ordered else max_in_flight)
        self._queue: deque[Outgoing] = deque()
        self._pump: asyncio.Future[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._limit = 0

    @abstractmethod
    async def batch_limit(self) -> int:
        """Bytes one batch (and so one message) may hold."""

    @abstractmethod
    def prepare(self, event: Event, limit: int) -> Outgoing | None:
        """The outgoing form of ``event``; ``None`` after reporting it (e.g. too large)."""

    @abstractmethod
    async def attempt(self, batch: list[Outgoing], *, last: bool) -> list[Outgoing]:
        """Send once: resolve what succeeded or failed for good, return what to retry."""

    async def handle(self, event: Event) -> None:
        await self.handle_many([event])

    async def handle_many(self, events: Sequence[Event]) -> None:  # type: ignore[override]
        """Forward ``events``; failures are reported per event (in this context), not raised."""
        if not events:
            return
        self._limit = await self.batch_limit()
        loop = asyncio.get_running_loop()
        waiting: list[tuple[Event, asyncio.Future[Exception | None]]] = []
        for event in events:
            if self._outstanding + len(waiting) >= self.max_buffered:
                refused = self.error_type(
                    name_of(event),
                    f"{self.max_buffered} events already wait to be delivered (raise max_buffered)",
                    permanent=False,
                )
                report_failure(self, (event,), refused)
                continue
            outgoing = self.prepare(event, self._limit)
            if outgoing is not None:
                outgoing.outcome = loop.create_future()
                self._queue.append(outgoing)
                waiting.append((event, outgoing.outcome))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.ensure_future(self._send_queued())
        self._outstanding += len(waiting)
        try:
            for event, outcome in waiting:
                error = await outcome
                self._outstanding -= 1
                if error is not None:
                    report_failure(self, (event,), error)
        finally:
            self._outstanding -= sum(1 for _, outcome in waiting if not outcome.done())

    async def _send_queued(self) -> None:
        """Take batches off the queue while any wait, returning once it is empty (sends may
        still be in flight), so a later call finds a pump that sees its events, or starts one."""
        while self._queue:
            await self._slots.acquire()
            if not self._queue:  # other sends took them meanwhile
                self._slots.release()
                break
            task = asyncio.ensure_future(self._send(self._take_batch()))
            self._sending.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            logger.error("%r: a send failed unexpectedly", self, exc_info=task.exception())

    def _take_batch(self) -> list[Outgoing]:
        batch: list[Outgoing] = []
        size = 0
        while self._queue and len(batch) < self.max_batch_size:
            if batch and size + self._queue[0].size > self._limit:
                break
            outgoing = self._queue.popleft()
            batch.append(outgoing)
            size += outgoing.size
        return batch

    async def _send(self, batch: list[Outgoing]) -> None:
        pending = batch
        try:
            for attempt in range(1, self.backoff.attempts + 1):
                pending = await self.attempt(pending, last=attempt == self.backoff.attempts)
                if not pending:
                    return
                await asyncio.sleep(self.backoff.delay(attempt))
        finally:
            for outgoing in batch:  # whatever happened, nobody waits forever
                name = name_of(outgoing.event)
                outgoing.done(self.error_type(name, "sending stopped", permanent=False))

    async def drain_sends(self) -> None:
        """Wait until nothing is queued or in flight (``aclose`` does, before closing)."""
        if self._pump is not None and not self._pump.done():
            await self._pump
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
