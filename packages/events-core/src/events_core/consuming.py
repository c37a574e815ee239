"""A base for consumers that take events from a broker and hand them to handlers.

The loop is the same for every transport: receive up to ``concurrency`` messages, decode and
validate each into an :class:`~events_core.Envelope`, hand it to the handlers, settle it
(acknowledge / delete, in batches) only when every handler succeeded, and otherwise make it
come back after a backoff delay so the broker's dead-letter policy applies. Malformed messages
are logged, counted and left for the dead-letter queue. ``stop()`` lets in-flight messages
finish within a timeout and hands back the rest at once. An event id handled within
``dedupe_window`` seconds is not handled again when it is redelivered (at-least-once delivery
with de-duplication). Subclasses (SQS, Pub/Sub) talk to the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .bus import EventBus
from .codec import MalformedMessage, decode_event
from .errors import ConfigurationError
from .failures import HandlerFailure
from .hooks import hooks
from .registry import PayloadSchemaRegistry, registry
from .retry import Backoff
from .scope import event_store
from .types import Envelope

__all__ = ["ConsumerStats", "QueueConsumer"]

MessageT = TypeVar("MessageT")

_failures: ContextVar[list[HandlerFailure] | None] = ContextVar("consumer_failures", default=None)


@dataclass
class ConsumerStats:
    """What a consumer did so far."""

    received: int = 0
    handled: int = 0
    failed: int = 0
    malformed: int = 0
    settled: int = 0
    #: Redeliveries of an event id handled within the de-duplication window: settled, not handled.
    duplicates: int = 0


class QueueConsumer(ABC, Generic[MessageT]):
    """Receives messages and delivers their events to ``handlers``; see the module docstring."""

    #: Name used in log lines ("SQS consumer", ...).
    label = "consumer"
    #: The logger it writes to (a transport's own package logger).
    logger_name = "events_core"
    #: Seconds settled messages wait to be acknowledged together.
    settle_interval = 0.05
    #: Most messages acknowledged in one call.
    settle_batch = 10
    #: Seconds between two lease extensions of the messages in progress.
    lease_interval = 5.0

    def __init__(
        self,
        handlers: Any,
        *,
        concurrency: int,
        backoff: Backoff | None,
        shutdown_timeout: float,
        deserializer: Callable[[str | bytes], tuple[str, Any]] | None,
        payload_schema_registry: PayloadSchemaRegistry | None,
        on_error: Callable[[HandlerFailure], object] | None,
        dedupe_window: float = 300.0,
    ) -> None:
        if concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        self.handlers = list(handlers) if isinstance(handlers, (list, tuple)) else [handlers]
        self.concurrency = concurrency
        self.backoff = backoff or Backoff(initial=1.0, maximum=300.0, attempts=1)
        self.shutdown_timeout = shutdown_timeout
        self.deserializer = deserializer or decode_event
        self.schemas = registry if payload_schema_registry is None else payload_schema_registry
        self.stats = ConsumerStats()
        self._log = logging.getLogger(self.logger_name)
        self._on_error = on_error
        self._bus = EventBus(self.handlers, on_error=self._record, discoverable=False)
        self._stopping: asyncio.Event | None = None
        self._settled: list[MessageT] = []
        self._settle_wakeup = asyncio.Event()
        self._tasks: dict[asyncio.Task[None], MessageT] = {}
        #: Seconds an event id handled successfully is remembered (0: no de-duplication).
        self.dedupe_window = dedupe_window
        self._handled_ids: OrderedDict[str, float] = OrderedDict()

    # -- what a transport provides ----------------------------------------------------------

    @abstractmethod
    async def receive(self, count: int) -> list[MessageT]:
        """Up to ``count`` messages (may wait for them)."""

    @abstractmethod
    def unpack(self, message: MessageT) -> tuple[str | bytes, dict[str, str], str, int]:
        """``(body, string attributes, message id, delivery attempt)`` of ``message``."""

    @abstractmethod
    async def settle(self, messages: list[MessageT]) -> int:
        """Acknowledge (delete) handled messages; return how many were settled."""

    @abstractmethod
    async def retry_later(self, message: MessageT, delay: int) -> None:
        """Make ``message`` come back in ``delay`` seconds (0: now)."""

    async def in_flight(self, messages: list[MessageT]) -> None:
        """Called every few seconds with the messages being handled (to extend leases)."""

    @abstractmethod
    async def close(self) -> None:
        """Close the broker client."""

    # -- running ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Receive and handle messages until :meth:`stop` is called."""
        self._stopping = asyncio.Event()
        stop = asyncio.ensure_future(self._stopping.wait())
        leases = asyncio.ensure_future(self._extend_leases())
        self._settle_wakeup = asyncio.Event()
        settler = asyncio.ensure_future(self._settler())
        self._log.info("%s started", self.label)
        try:
            while not self._stopping.is_set():
                free = self.concurrency - len(self._tasks)
                if free <= 0:
                    await asyncio.wait({*self._tasks, stop}, return_when=asyncio.FIRST_COMPLETED)
                    continue
                messages = await self._receive_or_stop(free, stop)
                if messages is None:
                    break
                for message in messages:
                    self.stats.received += 1
                    task = asyncio.ensure_future(self._process(message))
                    self._tasks[task] = message
                    task.add_done_callback(self._tasks.pop)
        finally:
            stop.cancel()
            try:
                await self._shutdown(settler)  # leases are still extended while work ends
            finally:
                leases.cancel()

    def stop(self) -> None:
        """Stop receiving; in-flight messages get ``shutdown_timeout`` seconds to finish."""
        if self._stopping is not None:
            self._stopping.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[QueueConsumer[MessageT]]:
        """Run in the background for the block (e.g. an app's lifespan), then stop."""
        task = asyncio.ensure_future(self.run())
        await asyncio.sleep(0)
        try:
            yield self
        finally:
            self.stop()
            await task

    async def _receive_or_stop(
        self, count: int, stop: asyncio.Future[Any]
    ) -> list[MessageT] | None:
        receiving = asyncio.ensure_future(self.receive(count))
        done, _ = await asyncio.wait({receiving, stop}, return_when=asyncio.FIRST_COMPLETED)
        if receiving not in done:
            receiving.cancel()
            with contextlib.suppress(BaseException):
                await receiving
            return None
        try:
            return receiving.result()
        except Exception as exc:
            self._log.error("%s: receiving failed (%r); trying again", self.label, exc)
            await asyncio.sleep(1)
            return []

    async def _extend_leases(self) -> None:
        while True:
            await asyncio.sleep(self.lease_interval)
            if self._tasks:
                try:
                    await self.in_flight(list(self._tasks.values()))
                except Exception as exc:
                    self._log.warning("%s: extending leases failed (%r)", self.label, exc)

    # -- one message -------------------------------------------------------------------------

    def _record(self, failure: HandlerFailure) -> None:
        failures = _failures.get()
        if failures is not None:
            failures.append(failure)
        if self._on_error is not None:
            self._on_error(failure)

    def to_event(self, message: MessageT) -> Envelope:
        """The event in ``message``, validated; :class:`MalformedMessage` if it is none."""
        body, attributes, message_id, _ = self.unpack(message)
        name, payload = self.deserializer(body)
        try:
            payload = self.schemas.validate(name, payload)
        except Exception as exc:
            raise MalformedMessage(f"payload of {name!r} does not match its schema: {exc}") from exc
        headers = dict(attributes)
        event_id = headers.pop("event_id", None) or message_id
        headers.pop("event_name", None)
        return Envelope(name, payload, id=event_id, headers=headers)

    async def _process(self, message: MessageT) -> None:
        if hooks.on_scope is not None:
            hooks.on_scope()
        _, _, message_id, attempt = self.unpack(message)
        try:
            event = self.to_event(message)
        except MalformedMessage as exc:
            self.stats.malformed += 1
            self._log.error(
                "%s: malformed message %s (delivery %d), left for the dead-letter queue: %s",
                self.label,
                message_id,
                attempt,
                exc,
            )
            await self._retry_later(message, attempt)
            return
        if self._seen_recently(event.id):
            self.stats.duplicates += 1
            self._log.info(
                "%s: event %s was handled already; settling the duplicate", self.label, event.id
            )
            self._settle(message)
            return
        failures: list[HandlerFailure] = []
        failures_token = _failures.set(failures)
        store_token = event_store.set(self._bus.detached)
        try:
            await self._bus.handle([event])
        except Exception as exc:  # raise mode (tests): a failure all the same
            failures.append(HandlerFailure("?", (event,), exc))
        finally:
            event_store.reset(store_token)
            _failures.reset(failures_token)
        if failures:
            self.stats.failed += 1
            self._log.warning(
                "%s: event %r (message %s, delivery %d) failed; it will come back",
                self.label,
                event.name,
                message_id,
                attempt,
            )
            await self._retry_later(message, attempt)
            return
        self.stats.handled += 1
        self._remember(event.id)
        self._settle(message)

    def _settle(self, message: MessageT) -> None:
        self._settled.append(message)
        self._settle_wakeup.set()  # settled soon, in batches, by the settler

    def _seen_recently(self, event_id: str) -> bool:
        if not self.dedupe_window:
            return False
        now = time.monotonic()
        handled = self._handled_ids
        while handled and next(iter(handled.values())) < now:
            handled.popitem(last=False)  # forget what is older than the window
        return event_id in handled

    def _remember(self, event_id: str) -> None:
        if self.dedupe_window:
            self._handled_ids[event_id] = time.monotonic() + self.dedupe_window
            self._handled_ids.move_to_end(event_id)

    async def _retry_later(self, message: MessageT, attempt: int) -> None:
        delay = min(round(self.backoff.delay(attempt)), 600)
        try:
            await self.retry_later(message, delay)
        except Exception as exc:
            self._log.warning(
                "%s: cannot delay a retry (%r): the broker's timeout applies", self.label, exc
            )

    async def _settler(self) -> None:
        """Settle handled messages in batches, soon after they are handled.

        One task does it all: a message handled while a flush is under way wakes it again, so
        none is left unsettled (to outlive its lease and come back).
        """
        while True:
            await self._settle_wakeup.wait()
            self._settle_wakeup.clear()
            if len(self._settled) < self.settle_batch:
                await asyncio.sleep(self.settle_interval)
            await self._flush_settled()

    async def _flush_settled(self) -> None:
        while self._settled:
            batch = self._settled[: self.settle_batch]
            self._settled = self._settled[self.settle_batch :]
            try:
                self.stats.settled += await self.settle(batch)
            except Exception as exc:
                self._log.error(
                    "%s: settling %d handled message(s) failed (%r): they will come back",
                    self.label,
                    len(batch),
                    exc,
                )

    async def _shutdown(self, settler: asyncio.Future[None]) -> None:
        if self._tasks:
            self._log.info("%s stopping: waiting for %d message(s)", self.label, len(self._tasks))
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=self.shutdown_timeout)
            if unfinished:
                messages = [self._tasks[t] for t in unfinished if t in self._tasks]
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)
                self._log.warning(
                    "%s: %d message(s) unfinished after %.1fs: handed back, not settled",
                    self.label,
                    len(messages),
                    self.shutdown_timeout,
                )
                for message in messages:
                    with contextlib.suppress(Exception):
                        await self.retry_later(message, 0)
        settler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await settler
        await self._flush_settled()
        await self._bus.aclose(self.shutdown_timeout)
        await self.close()
        self._log.info("%s stopped: %s", self.label, self.stats)
