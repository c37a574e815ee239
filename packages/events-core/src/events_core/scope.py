"""The ContextVar event store: where ``dispatch()`` puts events of the current request or scope."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from .types import Event

if TYPE_CHECKING:
    from .bus import EventBus

__all__ = ["EventCollector", "current_collector", "event_store"]


class EventCollector(list[Event]):
    """The events of one scope (a request, or ``async with bus.scope()``), in dispatch order.

    While ``closed`` is false, ``dispatch()`` appends here. Once the scope has handed its events
    to the handlers it is closed, and later dispatches in the same context (a task the request
    spawned, a handler chaining events) go straight to :attr:`bus`.
    """

    __slots__ = ("bus", "closed")

    bus: EventBus
    closed: bool

    @classmethod
    def open(cls, bus: EventBus, *, closed: bool = False) -> EventCollector:
        """A new, empty collector for ``bus`` (kept cheap: it runs once per request)."""
        collector = cls()
        collector.bus = bus
        collector.closed = closed
        return collector

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<EventCollector {state} events={list.__repr__(self)}>"


#: The event store of the current context: the request's (or scope's) collector.
event_store: ContextVar[EventCollector] = ContextVar("fastapi_events_store")


def current_collector() -> EventCollector | None:
    """The collector of the current context, or ``None`` outside any request or scope."""
    return event_store.get(None)
