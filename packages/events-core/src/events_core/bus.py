"""The event bus: hands events to handlers, tracks detached work, drains it on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from .errors import EventBusFull
from .failures import ErrorHook, HandlerFailure, describe_handler
from .handler import check_handler
from .hooks import hooks
from .lookup import register_bus, unregister_bus
from .policy import FailurePolicy
from .scope import EventCollector, event_store
from .settings import settings
from .stats import BusStats, DrainReport
from .types import Event, name_of

__all__ = ["BusStats", "DrainReport", "EventBus"]

logger = logging.getLogger("events_core")

#: Set on an exception re-raised in raise mode, so that it is reported once only.
_REPORTED = "_fastapi_events_reported"


class EventBus:
    """Hands events to a list of handlers, in requests, in scopes, or on its own tasks.

    * ``async with bus.scope():`` collects what is dispatched inside and hands it over at the end
      (the middleware does the same for each request);
    * a dispatch outside any open scope (a spawned task, a handler chaining an event, a plain
      asyncio program) is handled at once on a task the bus tracks;
    * :meth:`drain` waits for tracked work, :meth:`aclose` also cancels what is left after the
      timeout (logging and counting it) and closes the handlers.

    Handler errors are isolated: each is logged with the event and the handler, counted in
    :attr:`stats`, and passed to ``on_error``. With ``raise_handler_errors=True`` (for tests) it is
    raised instead.

    A bus is ``discoverable`` by default: ``dispatch()`` outside any scope can find it (by
    ``bus_id``, or as the only bus alive). Pass ``discoverable=False`` for a private bus.
    """

    def __init__(
        self,
        handlers: Iterable[Any] = (),
        *,
        bus_id: Hashable | None = None,
        on_error: ErrorHook | None = None,
        raise_handler_errors: bool = False,
        drain_timeout: float = 10.0,
        discoverable: bool = True,
        max_pending: int = 10_000,
    ) -> None:
        if isinstance(handlers, (str, bytes)) or not isinstance(handlers, Iterable):
            raise_type = type(handlers).__name__
            from .errors import ConfigurationError

            raise ConfigurationError(
                f"handlers must be a list of event handlers, got {raise_type}: "
                "e.g. handlers=[local_handler]."
            )
        self.handlers: tuple[Any, ...] = tuple(check_handler(h) for h in handlers)
        self.bus_id: Hashable = id(self) if bus_id is None else bus_id
        self.on_error = on_error
        self.raise_handler_errors = raise_handler_errors
        self.drain_timeout = drain_timeout
        #: Most events dispatched outside requests that may wait at once (see :meth:`submit`).
        self.max_pending = max_pending
        self.stats = BusStats()
        #: The collector used by detached work: closed, so dispatches there come back here.
        self.detached = EventCollector.open(self, closed=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[asyncio.Task[None], int] = {}
        self._batch: list[Event] | None = None
        self._backlog: list[Event] = []
        self._active = 0
        self._pending_count = 0
        self._deferred: Exception | None = None
        self.discoverable = discoverable
        if discoverable:
            register_bus(self)

    def __repr__(self) -> str:
        names = ", ".join(type(h).__name__ for h in self.handlers)
        return f"<EventBus id={self.bus_id!r} handlers=[{names}] pending={self.pending}>"

    # -- handing events over -------------------------------------------------------------

    async def handle(self, events: Sequence[Event]) -> None:
        """Hand ``events`` to every handler now and wait until they are done."""
        self._active += 1
        current = event_store.get(None)
        # failures reach this bus (its log, counters, on_error) also when called directly
        token = (
            event_store.set(self.detached) if current is None or current.bus is not self else None
        )
        try:
            if hooks.on_handover is not None:
                events = hooks.on_handover(events)
            handlers = self.handlers
            if len(handlers) == 1:
                await self._run(handlers[0], events)
            elif handlers:
                await asyncio.gather(*[self._run(h, events) for h in handlers])
            self.stats.handled += len(events)
        finally:
            self._active -= 1
            if token is not None:
                event_store.reset(token)

    async def _run(self, handler: Any, events: Sequence[Event]) -> None:
        try:
            many = getattr(handler, "handle_many", None)
            if many is not None:
                await many(events)
            else:
                for event in events:
                    await handler.handle(event)
        except Exception as exc:
            if getattr(exc, _REPORTED, False):
                raise  # raise mode: reported where it happened, on its way to the caller
            self.report_failure(HandlerFailure(describe_handler(handler), tuple(events), exc))

    def report_failure(self, failure: HandlerFailure) -> None:
        """Log and count ``failure``, pass it to ``on_error``; raise it in raise mode."""
        self.stats.failed += 1
        logger.error("%s", failure, exc_info=failure.exception)
        if self.on_error is not None:
            try:
                self.on_error(failure)
            except Exception:
                logger.exception("the on_error hook failed while reporting: %s", failure)
        if self.raise_handler_errors or settings.raise_handler_errors:
            setattr(failure.exception, _REPORTED, True)
            raise failure.exception

    def discard(self, events: Sequence[Event], reason: str) -> None:
        """Count and log events that a failure policy chose not to handle."""
        self.stats.discarded += len(events)
        logger.info(
            "%d event(s) discarded (%s): %s",
            len(events),
            reason,
            ", ".join(name_of(e) for e in events),
        )

    @asynccontextmanager
    async def scope(
        self, policy: FailurePolicy | str = FailurePolicy.ALWAYS
    ) -> AsyncIterator[EventCollector]:
        """Collect the events dispatched inside the block; hand them over when it ends.

        If the block raises, ``policy`` decides whether its events are still handled.
        """
        policy = FailurePolicy(policy)
        self.bind_loop()
        if hooks.on_scope is not None:
            hooks.on_scope()
        collector = EventCollector.open(self)
        token = event_store.set(collector)
        raised = True
        try:
            yield collector
            raised = False
        finally:
            collector.closed = True
            try:
                if collector:
                    if policy.keeps(raised=raised, status=None):
                        await self.handle(collector)
                    else:
                        self.discard(collector, "the scope raised")
            finally:
                event_store.reset(token)

    # -- detached work -----------------------------------------------------------------------

    def submit(self, event: Event) -> None:
        """Handle ``event`` soon on a tracked task; safe to call from any thread.

        Memory is bounded: past ``max_pending`` waiting events, :class:`EventBusFull` is raised
        here, in the code that dispatched (a synchronous ``dispatch()`` cannot wait), logged
        and counted; nothing is dropped without the caller knowing.
        """
        if self._pending_count >= self.max_pending:
            self.stats.rejected += 1
            logger.error("event bus %r is full: %r refused", self.bus_id, name_of(event))
            raise EventBusFull(
                f"dispatch({name_of(event)!r}): {self.max_pending} events dispatched outside "
                "requests already wait to be handled; slow down, or raise max_pending on the "
                "middleware (or EventBus)."
            )
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        own = self._loop
        if loop is not None and (own is None or own is loop or own.is_closed()):
            self._loop = loop
            self._enqueue(event)
        elif own is not None and not own.is_closed():
            own.call_soon_threadsafe(self._enqueue, event)
        else:
            self._backlog.append(event)
            self._pending_count += 1
            logger.debug("no event loop is running: %r is held until the bus runs", name_of(event))

    def bind_loop(self) -> None:
        """Bind the bus to the running event loop (done for you by scopes, lifespan, drain)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            if self.discoverable:
                register_bus(self)
            if self._backlog:
                backlog, self._backlog = self._backlog, []
                self._pending_count -= len(backlog)
                for event in backlog:
                    self._enqueue(event)

    def _enqueue(self, event: Event) -> None:
        if self._batch is None:
            self._batch = []
            assert self._loop is not None
            self._loop.call_soon(self._flush)
        self._batch.append(event)
        self._pending_count += 1

    def _flush(self) -> None:
        batch, self._batch = self._batch, None
        if batch:
            assert self._loop is not None
            task = self._loop.create_task(self._run_detached(batch))
            self._tasks[task] = len(batch)
            task.add_done_callback(self._task_done)

    async def _run_detached(self, events: list[Event]) -> None:
        event_store.set(self.detached)
        await self.handle(events)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        count = self._tasks.pop(task, 0)
        self._pending_count -= count
        if task.cancelled():
            self.stats.dropped += count
            return
        exc = task.exception()
        if isinstance(exc, Exception) and self._deferred is None:
            self._deferred = exc  # only in raise mode: failures are caught otherwise

    @property
    def pending(self) -> int:
        """Events dispatched outside a scope whose handling has not finished."""
        return self._pending_count

    # -- startup and shutdown ------------------------------------------------------------

    async def start(self) -> None:
        """Let handlers open their clients now (``astart()``), not in the first request.

        A handler that cannot start is logged and tried again lazily on its first event.
        """
        self.bind_loop()
        for handler in self.handlers:
            start = getattr(handler, "astart", None)
            if start is None:
                continue
            try:
                await start()
            except Exception:
                logger.warning(
                    "starting handler %r failed; it starts on first use", handler, exc_info=True
                )

    async def drain(self, timeout: float | None = None) -> DrainReport:
        """Wait up to ``timeout`` seconds (default :attr:`drain_timeout`) for pending work."""
        self.bind_loop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.drain_timeout if timeout is None else timeout)
        before = self.pending
        me = asyncio.current_task()
        while True:
            self._flush()
            tasks = [t for t in self._tasks if t is not me]
            busy = self._active - (1 if me is not None and me in self._tasks else 0)
            remaining = deadline - loop.time()
            if (not tasks and busy <= 0) or remaining <= 0:
                break
            if tasks:
                await asyncio.wait(tasks, timeout=remaining)
            else:
                await asyncio.sleep(min(0.005, remaining))
        report = DrainReport(handled=max(before - self.pending, 0), pending=self.pending)
        if self._deferred is not None:
            exc, self._deferred = self._deferred, None
            raise exc
        return report

    async def aclose(self, timeout: float | None = None) -> DrainReport:
        """Drain, cancel what is still pending (logged and counted as dropped), close handlers."""
        try:
            report = await self.drain(timeout)
        finally:
            leftover = [t for t in self._tasks if t is not asyncio.current_task()]
            for task in leftover:
                task.cancel()
            if leftover:
                await asyncio.gather(*leftover, return_exceptions=True)
        if report.pending:
            logger.error(
                "event bus %r closed with %d event(s) not handled within %.1fs: dropped",
                self.bus_id,
                report.pending,
                self.drain_timeout if timeout is None else timeout,
            )
        stored_before = sum(getattr(h, "stored_in_outbox", 0) for h in self.handlers)
        for handler in self.handlers:
            close = getattr(handler, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    logger.exception("closing handler %r failed", handler)
        stored = sum(getattr(h, "stored_in_outbox", 0) for h in self.handlers) - stored_before
        logger.info(
            "event bus %r closed: %d event(s) handled while draining, %d stored in an outbox "
            "by forwarders, %d dropped",
            self.bus_id,
            report.handled,
            stored,
            report.pending,
        )
        unregister_bus(self)
        return report
