"""Testing code that dispatches events: capture them, assert on them, run their handlers.

``fastapi_events.testing`` re-exports this module; the pytest plugin (installed with
events-core) provides the fixtures ``captured_events``, ``events_disabled`` and
``handler_errors_raise``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, overload

from .bus import EventBus
from .hooks import add_dispatch_hook, remove_dispatch_hook
from .scope import event_store
from .settings import reload_settings, set_dispatch_disabled, settings
from .types import Event, EventName, name_of

__all__ = ["CapturedEvents", "capture_events", "dispatch_disabled", "handler_errors_raise"]

_MISSING: Any = object()


def _as_mapping(payload: Any) -> Any:
    dump = getattr(payload, "model_dump", None)
    return dump() if callable(dump) else payload


def _contains(payload: Any, subset: Any) -> bool:
    payload = _as_mapping(payload)
    if isinstance(subset, Mapping):
        return isinstance(payload, Mapping) and all(
            key in payload and _contains(payload[key], value) for key, value in subset.items()
        )
    return bool(payload == subset)


def _key(name: EventName) -> str:
    return name_of((name, None))


class CapturedEvents(Sequence[Event]):
    """The events dispatched while :func:`capture_events` was active, in dispatch order."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def _add(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __repr__(self) -> str:
        return f"CapturedEvents({self._events!r})"

    @property
    def names(self) -> list[str]:
        """The str names of the captured events, in order."""
        return [name_of(e) for e in self._events]

    def named(self, name: EventName) -> list[Event]:
        """The captured events called ``name``."""
        key = _key(name)
        return [e for e in self._events if name_of(e) == key]

    def count(self, name: EventName | None = None) -> int:
        """How many events were captured (called ``name``, if given)."""
        return len(self._events) if name is None else len(self.named(name))

    def clear(self) -> None:
        """Forget what was captured so far."""
        with self._lock:
            self._events.clear()

    def assert_dispatched(
        self,
        name: EventName,
        payload: Any = _MISSING,
        *,
        payload_subset: Mapping[str, Any] | None = None,
        times: int | None = None,
    ) -> Event:
        """Assert ``name`` was dispatched (with ``payload``, or a payload containing
        ``payload_subset``; ``times`` times if given). Returns the first matching event."""
        matches = [
            e
            for e in self.named(name)
            if (payload is _MISSING or _as_mapping(e[1]) == _as_mapping(payload))
            and (payload_subset is None or _contains(e[1], payload_subset))
        ]
        wanted = f"event {_key(name)!r}"
        if payload is not _MISSING:
            wanted += f" with payload {payload!r}"
        if payload_subset is not None:
            wanted += f" with a payload containing {dict(payload_subset)!r}"
        if times is not None and len(matches) != times:
            raise AssertionError(
                f"expected {wanted} {times} time(s), found {len(matches)}; "
                f"dispatched: {self._events!r}"
            )
        if not matches:
            raise AssertionError(f"expected {wanted}; dispatched: {self._events!r}")
        return matches[0]

    def assert_not_dispatched(self, name: EventName) -> None:
        """Assert no event called ``name`` was dispatched."""
        found = self.named(name)
        if found:
            raise AssertionError(f"expected no event {_key(name)!r}, found {found!r}")

    def assert_order(self, *names: EventName) -> None:
        """Assert events with these names were dispatched in this relative order."""
        keys = [_key(n) for n in names]
        position = 0
        seen = self.names
        for key in keys:
            try:
                position = seen.index(key, position) + 1
            except ValueError:
                raise AssertionError(
                    f"expected the events {keys!r} in this order; dispatched: {seen!r}"
                ) from None

    async def ahandle(self, *handlers: Any) -> None:
        """Run the captured events through ``handlers`` now; the first handler error raises."""
        bus = EventBus(handlers, raise_handler_errors=True, discoverable=False)
        token = event_store.set(bus.detached)
        try:
            await bus.handle(list(self._events))
            await bus.drain()
        finally:
            event_store.reset(token)

    def handle(self, *handlers: Any) -> None:
        """Synchronous :meth:`ahandle`, for tests without a running event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.ahandle(*handlers))
            return
        raise RuntimeError("an event loop is running here: use `await events.ahandle(...)`")


@contextmanager
def capture_events(*, handle: bool = True, raise_errors: bool = False) -> Iterator[CapturedEvents]:
    """Capture every event dispatched in the block, from any thread or task.

    Args:
        handle: ``False`` keeps the captured events from their handlers (the app runs normally
            otherwise); run them later with :meth:`CapturedEvents.handle`.
        raise_errors: handler errors raise instead of being logged, so they fail the test.
    """
    captured = CapturedEvents()
    was_raising = settings.raise_handler_errors

    def hook(event: Event) -> Event | None:
        captured._add(event)
        return event if handle else None

    add_dispatch_hook(hook)
    settings.raise_handler_errors = was_raising or raise_errors
    try:
        yield captured
    finally:
        remove_dispatch_hook(hook)
        settings.raise_handler_errors = was_raising


@contextmanager
def dispatch_disabled() -> Iterator[None]:
    """Disable ``dispatch()`` in the block; afterwards the environment decides again."""
    set_dispatch_disabled(True)
    try:
        yield
    finally:
        reload_settings()


@contextmanager
def handler_errors_raise() -> Iterator[None]:
    """Make every bus raise handler errors in the block instead of logging them."""
    was = settings.raise_handler_errors
    settings.raise_handler_errors = True
    try:
        yield
    finally:
        settings.raise_handler_errors = was
