"""``LocalHandler``: runs registered functions for events whose names match their patterns."""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, TypeVar, overload

from events_core import BaseEventHandler, Event, EventName, report_failure
from events_core.hooks import hooks
from events_core.names import event_name_of

from .plan import CallPlan, analyse
from .resolver import Resolver

__all__ = ["LocalHandler", "local_handler"]

F = TypeVar("F", bound=Callable[..., Any])

#: At most this many distinct event names keep their match results cached.
_CACHE_LIMIT = 4096


class _Registration:
    __slots__ = ("pattern", "plan", "regex")

    def __init__(self, pattern: str, plan: CallPlan) -> None:
        self.pattern = pattern
        self.plan = plan
        wild = any(c in pattern for c in "*?[")
        self.regex: re.Pattern[str] | None = (
            re.compile(fnmatch.translate(pattern)) if wild else None
        )

    def matches(self, name: str) -> bool:
        return self.regex.match(name) is not None if self.regex else name == self.pattern


class LocalHandler(BaseEventHandler):
    """Runs the functions registered for an event, in registration order.

    Patterns are Unix shell-style (``*``, ``?``, ``[seq]``), case-sensitive everywhere. Which
    functions match a name is worked out once per name and cached until registrations change.
    Async functions are awaited; sync ones run in a worker thread with the caller's
    contextvars. Parameters may ask for the event, the payload as a pydantic model, or
    dependencies (``Depends``). A function that raises is reported (log, counter, ``on_error``)
    and the others still run.

    Args:
        max_concurrency: the most events this handler handles at once (``None``: no limit).
    """

    def __init__(self, *, max_concurrency: int | None = None) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            from events_core import ConfigurationError

            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self._registrations: list[_Registration] = []
        self._cache: dict[EventName, tuple[CallPlan, ...]] = {}
        self.max_concurrency = max_concurrency
        self._semaphore: asyncio.Semaphore | None = None
        #: Dependency overrides, as FastAPI's ``app.dependency_overrides``: original -> stand-in.
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._resolver = Resolver(self.dependency_overrides)

    # -- registration ------------------------------------------------------------------------

    @overload
    def register(self, _func: F, *, event_name: str | Enum = "*") -> F: ...

    @overload
    def register(self, _func: None = None, *, event_name: str | Enum = "*") -> Callable[[F], F]: ...

    def register(
        self, _func: F | None = None, *, event_name: str | Enum = "*"
    ) -> F | Callable[[F], F]:
        """Register a function for events matching ``event_name`` (default ``"*"``: all).

        Use as ``@local_handler.register`` or ``@local_handler.register(event_name="cat*")``.
        The function is returned unchanged. Its parameters are checked now: one that cannot be
        resolved raises :class:`~events_core.ConfigurationError` here, not at the first event.
        """
        pattern = event_name_of(event_name, where="register()")

        def wrap(func: F) -> F:
            plan = analyse(func, role="handler")
            self._registrations.append(_Registration(pattern, plan))
            self._cache.clear()
            return func

        if _func is None:
            return wrap
        return wrap(_func)

    def unregister(self, func: Callable[..., Any], event_name: str | Enum | None = None) -> int:
        """Remove ``func`` (for one pattern, or all); return how many registrations went."""
        pattern = None if event_name is None else event_name_of(event_name, where="unregister()")
        before = len(self._registrations)
        self._registrations = [
            r
            for r in self._registrations
            if not (r.plan.func is func and (pattern is None or r.pattern == pattern))
        ]
        self._cache.clear()
        return before - len(self._registrations)

    def clear(self) -> None:
        """Remove every registration and dependency override (e.g. between tests)."""
        self._registrations.clear()
        self.dependency_overrides.clear()
        self._cache.clear()

    @property
    def registrations(self) -> list[tuple[str, Callable[..., Any]]]:
        """``(pattern, function)`` pairs in registration order."""
        return [(r.pattern, r.plan.func) for r in self._registrations]

    def handlers_for(self, event_name: EventName) -> tuple[CallPlan, ...]:
        """The plans of the functions that handle ``event_name``, in registration order.

        An Enum member is matched by its value.
        """
        plans = self._cache.get(event_name)
        if plans is None:
            key = event_name if isinstance(event_name, str) else event_name_of(event_name)
            plans = tuple(r.plan for r in self._registrations if r.matches(key))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[event_name] = plans
        return plans

    # -- handling ----------------------------------------------------------------------------

    async def handle_many(self, events: Iterable[Event]) -> None:
        """Handle events one after the other, in dispatch order."""
        for event in events:
            await self.handle(event)

    async def handle(self, event: Event) -> None:
        """Run every function registered for this event; failures are reported, not raised."""
        plans = self._cache.get(event[0])
        if plans is None:
            plans = self.handlers_for(event[0])
        if not plans:
            return
        if self.max_concurrency is None:
            for plan in plans:
                await self._call(plan, event)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        async with self._semaphore:
            for plan in plans:
                await self._call(plan, event)

    async def _call(self, plan: CallPlan, event: Event) -> None:
        handling = hooks.handling
        try:
            if handling is not None:  # instrumentation: a span (and metrics) around the call
                with handling(type(self).__name__, plan.path, event):
                    await self._invoke(plan, event)
            elif plan.direct:  # the common case, inlined: an async function taking the event
                await (plan.func(event) if plan.params else plan.func())
            else:
                await self._resolver.call(plan, event)
        except Exception as exc:
            report_failure(plan.path, (event,), exc)

    async def _invoke(self, plan: CallPlan, event: Event) -> None:
        if plan.direct:
            await (plan.func(event) if plan.params else plan.func())
        else:
            await self._resolver.call(plan, event)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} registrations={len(self._registrations)}>"


#: The shared instance of the reference API: ``from fastapi_events.handlers.local import
#: local_handler``.
local_handler = LocalHandler()
