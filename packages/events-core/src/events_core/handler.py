"""The handler interface, and the two handlers that need nothing: echo and null."""

from __future__ import annotations

import pprint
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .errors import ConfigurationError
from .failures import report_failure
from .types import Event

__all__ = ["BaseEventHandler", "EchoHandler", "NullHandler", "check_handler"]


class BaseEventHandler:
    """Base class of event handlers.

    Override :meth:`handle` to take events one at a time, or :meth:`handle_many` to take the
    whole batch of a request (it is called first when present). The default
    :meth:`handle_many` calls :meth:`handle` for each event in order; an event that fails is
    reported (logged, counted, passed to ``on_error``) and the next one is still handled.
    """

    async def handle(self, event: Event) -> None:
        """Handle one ``(name, payload)`` event."""
        raise NotImplementedError(f"{type(self).__qualname__} must override handle()")

    async def handle_many(self, events: Iterable[Event]) -> None:
        """Handle a batch of events; by default one at a time through :meth:`handle`."""
        for event in events:
            try:
                await self.handle(event)
            except Exception as exc:
                report_failure(self, (event,), exc)

    async def astart(self) -> None:
        """Open clients before the first event; called at lifespan startup (optional)."""

    async def aclose(self) -> None:
        """Release resources (clients, sessions); called when the bus or app shuts down."""


class EchoHandler(BaseEventHandler):
    """Prints each event with ``pprint``: handy while debugging."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def handle(self, event: Event) -> None:
        pprint.pprint(tuple(event), stream=self._stream or sys.stdout)


class NullHandler(BaseEventHandler):
    """Accepts events and does nothing with them (a deliberate sink, e.g. in tests)."""

    async def handle(self, event: Event) -> None:
        return None

    async def handle_many(self, events: Iterable[Event]) -> None:
        return None


def check_handler(handler: Any) -> Any:
    """Return ``handler`` if it can handle events, else raise :class:`ConfigurationError`."""
    if isinstance(handler, type):
        raise ConfigurationError(
            f"handlers=[...] got the class {handler.__qualname__}; pass an instance, e.g. "
            f"{handler.__qualname__}(...)."
        )
    if isinstance(handler, BaseEventHandler):
        cls = type(handler)
        if (
            cls.handle is BaseEventHandler.handle
            and cls.handle_many is BaseEventHandler.handle_many
        ):
            raise ConfigurationError(
                f"{cls.__qualname__} overrides neither handle() nor handle_many(): implement one."
            )
        return handler
    if callable(getattr(handler, "handle_many", None)) or callable(
        getattr(handler, "handle", None)
    ):
        return handler
    raise ConfigurationError(
        f"{handler!r} is not an event handler: handlers=[...] takes objects with an async "
        "handle(event) or handle_many(events) method, such as local_handler or a subclass of "
        "BaseEventHandler. To run a function on events, register it with "
        "@local_handler.register(event_name=...)."
    )
