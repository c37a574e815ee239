"""Hook points for instrumentation (events-otel). Each is ``None`` unless something installs it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from .types import Event

__all__ = ["hooks"]


class _Hooks:
    """Module-level hook slots; checking a slot for ``None`` is the whole cost when unused."""

    __slots__ = ("handling", "on_dispatch")

    def __init__(self) -> None:
        #: Called by ``dispatch()`` with the event; returns the event to store (it may add
        #: headers), or ``None`` to keep it from the handlers (the testing kit does, on request).
        self.on_dispatch: Callable[[Event], Event | None] | None = None
        #: Returns a context manager around one handler handling one event:
        #: ``handling(handler_class_name, handler_path, event)``.
        self.handling: Callable[[str, str, Event], AbstractContextManager[Any]] | None = None


hooks = _Hooks()
