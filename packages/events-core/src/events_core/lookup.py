"""Finding the bus for a dispatch made outside any request or scope."""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import TYPE_CHECKING

from .errors import EventScopeNotFound

if TYPE_CHECKING:
    from .bus import EventBus

__all__ = ["find_bus", "live_buses", "register_bus", "unregister_bus"]

_buses: weakref.WeakValueDictionary[Hashable, EventBus] = weakref.WeakValueDictionary()


def register_bus(bus: EventBus) -> None:
    """Make ``bus`` findable by ``dispatch(..., middleware_id=bus.bus_id)``."""
    _buses[bus.bus_id] = bus


def unregister_bus(bus: EventBus) -> None:
    """Forget ``bus`` (it was closed)."""
    if _buses.get(bus.bus_id) is bus:
        del _buses[bus.bus_id]


def live_buses() -> list[EventBus]:
    """The buses (and middleware instances) alive in this process."""
    return list(_buses.values())


_HOW = (
    "Dispatch inside a request handled by EventHandlerASGIMiddleware; or create the middleware "
    "with middleware_id=... and pass the same middleware_id to dispatch(); or, without ASGI, "
    "create events_core.EventBus(handlers=[...]) and dispatch inside `async with bus.scope():`. "
    "In tests, set FASTAPI_EVENTS_DISABLE_DISPATCH=1 (then call events_core.reload_settings()) "
    "or use events_core.testing.capture_events()."
)


def find_bus(bus_id: Hashable | None, event_name: object) -> EventBus:
    """The bus with ``bus_id``, or the only one alive; else :class:`EventScopeNotFound`."""
    if bus_id is not None:
        bus = _buses.get(bus_id)
        if bus is None:
            raise EventScopeNotFound(
                f"dispatch({event_name!r}, middleware_id={bus_id!r}): no middleware or bus with "
                f"that id is alive. Check the id given to EventHandlerASGIMiddleware(middleware_id"
                f"=...) and that the app has started (Starlette builds middleware on first use). "
                + _HOW
            )
        return bus
    buses = live_buses()
    if len(buses) == 1:
        return buses[0]
    if buses and all(b.handlers == buses[0].handlers for b in buses[1:]):
        # Several instances with the same handlers (e.g. Litestar builds one per route).
        return buses[0]
    if not buses:
        raise EventScopeNotFound(
            f"dispatch({event_name!r}) ran outside a request, and no middleware or event bus "
            "exists in this process to handle it. " + _HOW
        )
    raise EventScopeNotFound(
        f"dispatch({event_name!r}) ran outside a request, and {len(buses)} middleware instances "
        "or buses with different handlers exist: pass middleware_id=... to choose one. " + _HOW
    )
