"""Hook points for instrumentation (events-otel). Each is ``None`` unless something installs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from .types import Event

__all__ = ["add_dispatch_hook", "hooks", "remove_dispatch_hook"]


class _Hooks:
    """Module-level hook slots; checking a slot for ``None`` is the whole cost when unused."""

    __slots__ = ("_dispatch_hooks", "handling", "on_dispatch", "on_handover", "on_scope", "sending")

    def __init__(self) -> None:
        self._dispatch_hooks: list[Callable[[Event], Event | None]] = []
        #: Called by ``dispatch()`` with the event; returns the event to store (it may add
        #: headers), or ``None`` to keep it from the handlers (the testing kit does, on request).
        #: Set through :meth:`add_dispatch_hook`, which chains several.
        self.on_dispatch: Callable[[Event], Event | None] | None = None
        #: Returns a context manager around one handler handling one event:
        #: ``handling(handler_class_name, handler_path, event)``.
        self.handling: Callable[[str, str, Event], AbstractContextManager[Any]] | None = None
        #: Called by the bus with the events it is about to hand to the handlers (after the
        #: response); returns the events to hand over (instrumentation adds trace context here,
        #: where its cost no longer delays anyone).
        self.on_handover: Callable[[Sequence[Event]], Sequence[Event]] | None = None
        #: Called when a request or scope starts (instrumentation checks its set-up there).
        self.on_scope: Callable[[], None] | None = None
        #: Returns a context manager around one send of a forwarder:
        #: ``sending(system, destination, events)``. Each message keeps the trace context of
        #: its own event (its headers); the send's span links to them.
        self.sending: Callable[[str, str, Sequence[Event]], AbstractContextManager[Any]] | None = (
            None
        )


hooks = _Hooks()


def _chain(
    functions: tuple[Callable[[Event], Event | None], ...],
) -> Callable[[Event], Event | None]:
    def chained(event: Event) -> Event | None:
        current: Event | None = event
        for function in functions:
            current = function(current)  # type: ignore[arg-type]
            if current is None:
                return None
        return current

    return chained


def add_dispatch_hook(function: Callable[[Event], Event | None]) -> None:
    """Run ``function`` on every dispatched event, after the hooks added before it."""
    hooks._dispatch_hooks.append(function)
    _compose()


def remove_dispatch_hook(function: Callable[[Event], Event | None]) -> None:
    """Stop running ``function`` (no error if it was not added)."""
    if function in hooks._dispatch_hooks:
        hooks._dispatch_hooks.remove(function)
    _compose()


def _compose() -> None:
    functions = tuple(hooks._dispatch_hooks)
    if not functions:
        hooks.on_dispatch = None
    elif len(functions) == 1:
        hooks.on_dispatch = functions[0]
    else:
        hooks.on_dispatch = _chain(functions)
