"""What happens when a handler fails: a record, a log line, a counter and the ``on_error`` hook."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .scope import event_store
from .settings import settings
from .types import Event, name_of

__all__ = ["ErrorHook", "HandlerFailure", "describe_handler", "report_failure"]

logger = logging.getLogger("events_core")


@dataclass(frozen=True)
class HandlerFailure:
    """One handler failing on one or more events."""

    handler: str
    events: tuple[Event, ...]
    exception: Exception

    @property
    def event_names(self) -> tuple[str, ...]:
        """The names of the events the handler failed on."""
        return tuple(name_of(event) for event in self.events)

    def __str__(self) -> str:
        names = ", ".join(repr(n) for n in self.event_names)
        return f"handler {self.handler} failed on event {names}: {self.exception!r}"


#: Called with every :class:`HandlerFailure`; what it returns is ignored.
ErrorHook = Callable[[HandlerFailure], object]


def describe_handler(handler: object) -> str:
    """A readable import path for a handler object or function."""
    target = handler if callable(handler) and hasattr(handler, "__qualname__") else type(handler)
    module = getattr(target, "__module__", None) or "?"
    return f"{module}.{getattr(target, '__qualname__', repr(target))}"


def report_failure(handler: object, events: Sequence[Event], exc: Exception) -> None:
    """Report that ``handler`` failed on ``events`` to the bus handling them (or just log it).

    The bus logs it, counts it, calls its ``on_error`` hook and, when it was built with
    ``raise_handler_errors=True``, raises ``exc`` again.
    """
    name = handler if isinstance(handler, str) else describe_handler(handler)
    failure = HandlerFailure(name, tuple(events), exc)
    collector = event_store.get(None)
    if collector is None:
        logger.error("%s", failure, exc_info=exc)
        if settings.raise_handler_errors:
            raise exc
        return
    collector.bus.report_failure(failure)
