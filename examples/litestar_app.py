"""fastapi-events in a Litestar app (the original's Starlite example, on Litestar).

Run: ``uv run python examples/litestar_app.py`` (drives the app in-process).
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get
from litestar.middleware import DefineMiddleware
from litestar.testing import TestClient

from events_asgi import EventHandlerASGIMiddleware
from events_core import Event, dispatch
from events_local import LocalHandler

handler = LocalHandler()
received: list[Event] = []


@handler.register(event_name="*")
async def record(event: Event) -> None:
    received.append(event)
    print(f"handled {event}")


@get(path="/", media_type=MediaType.TEXT)
async def root() -> str:
    dispatch("new event", payload={"id": 1})
    return "OK"


app = Litestar(
    middleware=[DefineMiddleware(EventHandlerASGIMiddleware, handlers=[handler])],
    route_handlers=[root],
)


def main() -> list[Event]:
    with TestClient(app=app) as client:
        print(f"GET / -> {client.get('/').text}")
    return received


if __name__ == "__main__":
    main()
