"""``EventHandlerASGIMiddleware``: handles each request's events after its response is sent."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from typing import Any

from events_core import ConfigurationError, ErrorHook, EventBus, FailurePolicy
from events_core.hooks import hooks
from events_core.scope import EventCollector, event_store

from .types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EventHandlerASGIMiddleware"]

logger = logging.getLogger("events_asgi")

_MISSING: Any = object()


class EventHandlerASGIMiddleware:
    """Collects the events dispatched while a request is served and hands them to ``handlers``
    once the app has sent the response.

    Works as a plain ASGI middleware with FastAPI (``app.add_middleware``), Starlette
    (``Middleware(...)``) and Litestar (``DefineMiddleware(...)``).

    Args:
        app: the ASGI app to wrap.
        handlers: event handlers, e.g. ``[local_handler]``.
        middleware_id: lets ``dispatch(..., middleware_id=...)`` reach this middleware from
            outside a request; without it, dispatches outside a request find the only
            middleware alive.
        failure_policy: whether events of a failed request are handled (see
            :class:`~events_core.FailurePolicy`): ``"always"`` (default), ``"on_success"``,
            ``"never"``.
        drain_timeout: seconds that lifespan shutdown waits for pending events.
        on_error: called with each :class:`~events_core.HandlerFailure`.
        raise_handler_errors: raise handler errors instead of logging them (for tests).
        max_pending: most events dispatched outside requests (spawned tasks, chains, background
            work) waiting at once; past it ``dispatch()`` raises ``EventBusFull``.
    """

    def __init__(
        self,
        app: ASGIApp,
        handlers: Iterable[Any] = _MISSING,
        middleware_id: Hashable | None = None,
        *,
        failure_policy: FailurePolicy | str = FailurePolicy.ALWAYS,
        drain_timeout: float = 10.0,
        on_error: ErrorHook | None = None,
        raise_handler_errors: bool = False,
        max_pending: int = 10_000,
    ) -> None:
        if handlers is _MISSING:
            raise ConfigurationError(
                "EventHandlerASGIMiddleware needs handlers=[...], the handlers that receive the "
                "events, e.g. app.add_middleware(EventHandlerASGIMiddleware, "
                "handlers=[local_handler])."
            )
        try:
            self.failure_policy = FailurePolicy(failure_policy)
        except ValueError:
            raise ConfigurationError(
                f"failure_policy={failure_policy!r} is not one of "
                f"{[p.value for p in FailurePolicy]}."
            ) from None
        self.app = app
        self.bus = EventBus(
            handlers,
            bus_id=id(self) if middleware_id is None else middleware_id,
            on_error=on_error,
            raise_handler_errors=raise_handler_errors,
            drain_timeout=drain_timeout,
            max_pending=max_pending,
        )
        self._always = self.failure_policy is FailurePolicy.ALWAYS

    @property
    def middleware_id(self) -> Hashable:
        """The id that ``dispatch(..., middleware_id=...)`` uses to reach this middleware."""
        return self.bus.bus_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind == "lifespan":
                await self._lifespan(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        bus = self.bus
        if hooks.on_scope is not None:
            hooks.on_scope()
        collector = EventCollector.open(bus)
        token = event_store.set(collector)
        try:
            if self._always:
                try:
                    await self.app(scope, receive, send)
                finally:
                    collector.closed = True
                    if collector:
                        await bus.handle(collector)
            else:
                await self._call_with_policy(scope, receive, send, collector)
        finally:
            event_store.reset(token)

    async def _call_with_policy(
        self, scope: Scope, receive: Receive, send: Send, collector: EventCollector
    ) -> None:
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        raised = True
        try:
            await self.app(scope, receive, watch)
            raised = False
        finally:
            collector.closed = True
            if collector:
                code = status[0] if status else None
                if self.failure_policy.keeps(raised=raised, status=code):
                    await self.bus.handle(collector)
                else:
                    why = "the request raised" if raised else f"the response status was {code}"
                    self.bus.discard(
                        collector, f"{why}; failure_policy={self.failure_policy.value}"
                    )

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        bus = self.bus
        bus.bind_loop()
        token = event_store.set(bus.detached)

        async def on_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                await bus.start()  # clients open before the first request, not inside it
            elif message["type"] == "lifespan.shutdown.complete":
                await bus.aclose()
            await send(message)

        try:
            await self.app(scope, receive, on_send)
        finally:
            event_store.reset(token)
