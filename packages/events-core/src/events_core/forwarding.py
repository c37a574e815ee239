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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EventsError
from .failures import report_failure
from .handler import BaseEventHandler
from .outbox import SQLiteOutbox
from .retry import Backoff
from .types import Envelope, Event, name_of, new_event_id

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


#: The outcome of an event handed to the outbox at shutdown: not delivered, not lost.
_STORED = DeliveryError("", "stored in the outbox", permanent=False)


@dataclass
class Outgoing:
    """One event on its way out: the broker's request for it, its size, and its outcome."""

    event: Event
    request: Any
    size: int
    #: Resolved with ``None`` once delivered, or with the error that stopped it.
    outcome: asyncio.Future[Exception | None] | None = None
    #: Told of a failure nobody waits for any more (the waiting request was cancelled).
    orphaned: Callable[[Outgoing, Exception], None] | None = None

    resolved: bool = False

    def done(self, error: Exception | None) -> None:
        """Record the outcome (the first one only)."""
        if self.resolved or self.outcome is None:
            return
        self.resolved = True
        if not self.outcome.done():
            self.outcome.set_result(error)
        elif error is not None and error is not _STORED and self.orphaned is not None:
            self.orphaned(self, error)  # the waiter was cancelled: nobody else will tell


class BatchingForwarder(BaseEventHandler):
    """Subclasses say how to prepare one event (:meth:`prepare`), how many bytes a batch may
    hold (:meth:`batch_limit`) and how to send a batch once (:meth:`attempt`)."""

    #: The error type reported for events that could not be delivered.
    error_type: type[DeliveryError] = DeliveryError
    #: Most events waiting to be delivered (queued or being retried); beyond it, new events
    #: are reported as not delivered at once, so memory stays bounded during an outage.
    max_buffered = 10_000

    #: Seconds between two attempts to re-send what waits in the outbox.
    resend_interval = 5.0
    #: Seconds ``aclose`` gives sends in flight before storing them in the outbox.
    shutdown_grace = 5.0

    def __init__(
        self,
        *,
        max_batch_size: int,
        max_in_flight: int,
        backoff: Backoff | None,
        ordered: bool,
        outbox: SQLiteOutbox | str | Path | None = None,
    ) -> None:
        self.max_batch_size = max_batch_size
        self.backoff = backoff or OUTAGE_BACKOFF
        self._outstanding = 0
        #: Events written to the outbox so far (the bus reports those of its shutdown).
        self.stored_in_outbox = 0
        #: Where undeliverable and unfinished events wait (``None``: reported instead).
        self.outbox = SQLiteOutbox(outbox) if isinstance(outbox, (str, Path)) else outbox
        self._resender: asyncio.Future[None] | None = None
        # Ordered delivery keeps the order in which batches arrive: one batch at a time.
        self._slots = asyncio.Semaphore(1 if ordered else max_in_flight)
        self._queue: deque[Outgoing] = deque()
        self._pump: asyncio.Future[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._batches: dict[asyncio.Task[None], list[Outgoing]] = {}
        self._storing: set[asyncio.Future[None]] = set()
        self._limit = 0

    def event_id(self, event: Event) -> str:
        """The id of an event that has none yet (a plain ``(name, payload)``)."""
        return new_event_id()

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
        for raw in events:
            # one id per event from here on: retries and the outbox send the same one
            event = (
                raw
                if isinstance(raw, Envelope)
                else Envelope(raw[0], raw[1], id=self.event_id(raw))
            )
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
                outgoing.orphaned = self._orphaned
                outgoing.outcome = loop.create_future()
                self._queue.append(outgoing)
                waiting.append((event, outgoing.outcome))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.ensure_future(self._send_queued())
        self._outstanding += len(waiting)
        keep: list[Event] = []
        try:
            for sent, outcome in waiting:
                error = await outcome
                self._outstanding -= 1
                if error is None or error is _STORED:
                    continue
                if self.outbox is not None and not getattr(error, "permanent", False):
                    keep.append(sent)
                else:
                    report_failure(self, (sent,), error)
        finally:
            self._outstanding -= sum(1 for _, outcome in waiting if not outcome.done())
        if keep:
            await self._store(keep, "not delivered within the retry budget")

    def _orphaned(self, outgoing: Outgoing, error: Exception) -> None:
        """A failure whose request is gone: store it, or report it, all the same."""
        if self.outbox is not None and not getattr(error, "permanent", False):
            task = asyncio.ensure_future(self._store([outgoing.event], "not delivered"))
            self._storing.add(task)  # kept, and awaited by aclose before the file is closed
            task.add_done_callback(self._storing.discard)
        else:
            report_failure(self, (outgoing.event,), error)

    async def _store(self, events: Sequence[Event], why: str) -> None:
        """Put ``events`` in the outbox (reported if even that fails), and re-send later."""
        assert self.outbox is not None
        try:
            self.stored_in_outbox += await self.outbox.store(events)
        except Exception as exc:
            for event in events:
                report_failure(self, (event,), exc)
            return
        logger.warning("%r: %d event(s) %s: kept in %r", self, len(events), why, self.outbox)
        if self._resender is None or self._resender.done():
            self._resender = asyncio.ensure_future(self._resend_loop())

    async def _resend_loop(self) -> None:
        assert self.outbox is not None
        while await self.outbox.count():
            await asyncio.sleep(self.resend_interval)
            await self.replay_outbox()

    async def replay_outbox(self, limit: int = 1000) -> int:
        """Send what waits in the outbox, oldest first, with the same event ids; return how
        many were delivered. What fails again stays there (rejected events are reported)."""
        if self.outbox is None:
            return 0
        events = await self.outbox.oldest(limit)
        if not events:
            return 0
        self._limit = await self.batch_limit()
        loop = asyncio.get_running_loop()
        waiting: list[tuple[Envelope, asyncio.Future[Exception | None]]] = []
        for event in events:
            outgoing = self.prepare(event, self._limit)
            if outgoing is None:  # reported by prepare (e.g. too large): it will not get better
                await self.outbox.remove([event.id])
                continue
            outgoing.outcome = loop.create_future()
            self._queue.append(outgoing)
            waiting.append((event, outgoing.outcome))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.ensure_future(self._send_queued())
        done: list[str] = []
        for event, outcome in waiting:
            error = await outcome
            if error is None:
                done.append(event.id)
            elif getattr(error, "permanent", False):
                report_failure(self, (event,), error)
                done.append(event.id)
        await self.outbox.remove(done)
        if done:
            logger.info("%r: %d event(s) re-sent from the outbox", self, len(done))
        return len(done)

    async def _send_queued(self) -> None:
        """Take batches off the queue while any wait, returning once it is empty (sends may
        still be in flight), so a later call finds a pump that sees its events, or starts one."""
        while self._queue:
            await self._slots.acquire()
            if not self._queue:  # other sends took them meanwhile
                self._slots.release()
                break
            batch = self._take_batch()
            task = asyncio.ensure_future(self._send(batch))
            self._sending.add(task)
            self._batches[task] = batch
            task.add_done_callback(self._sent)
            # each send's first step (serialising, signing) in a loop iteration of its own,
            # rather than several of them at once: shorter stalls for everyone else
            await asyncio.sleep(0)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._batches.pop(task, None)
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

    async def astart(self) -> None:
        """Re-send what an earlier process left in the outbox (in the background)."""
        idle = self._resender is None or self._resender.done()
        if self.outbox is not None and idle and await self.outbox.count():
            self._resender = asyncio.ensure_future(self._resend_once_then_loop())

    async def _resend_once_then_loop(self) -> None:
        await self.replay_outbox()
        await self._resend_loop()

    async def aclose(self) -> None:
        """Finish (or, with an outbox, store) what is queued or in flight."""
        await self.drain_sends()

    async def drain_sends(self) -> None:
        """Wait for what is queued or in flight (``aclose`` does, before closing).

        With an outbox, sends get ``shutdown_grace`` seconds; what is still pending then is
        stored in the outbox instead of being lost.
        """
        if self.outbox is None:
            if self._pump is not None and not self._pump.done():
                await self._pump
            if self._sending:
                await asyncio.gather(*self._sending, return_exceptions=True)
            return
        pending = [f for f in (self._pump, *self._sending) if f is not None and not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.shutdown_grace)
        unfinished = list(self._queue) + [o for batch in self._batches.values() for o in batch]
        self._queue.clear()
        # not decided yet, or its waiter was cancelled (e.g. the server cancelled the request
        # task at shutdown, and the future it awaited with it): not delivered either way
        left = [o for o in unfinished if not o.resolved]
        for outgoing in left:  # decided now: stored, so nobody re-stores or reports them
            outgoing.done(_STORED)
            outgoing.resolved = True
        for task in list(self._sending):
            task.cancel()
        if self._resender is not None:
            self._resender.cancel()
        if left:
            await self._store([o.event for o in left], "still pending at shutdown")
            if self._resender is not None:
                self._resender.cancel()
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        if self._storing:
            await asyncio.gather(*self._storing, return_exceptions=True)
        self.outbox.close()
