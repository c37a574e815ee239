from __future__ import annotations

import pytest

from events_asgi import EventHandlerASGIMiddleware
from events_core import BaseEventHandler, Event, dispatch

litestar = pytest.importorskip("litestar")

from litestar import Litestar, MediaType, get  # noqa: E402
from litestar.middleware import DefineMiddleware  # noqa: E402
from litestar.testing import TestClient  # noqa: E402


class Recorder(BaseEventHandler):
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def handle(self, event: Event) -> None:
        self.events.append(event)


def test_litestar_with_define_middleware() -> None:
    rec = Recorder()

    @get(path="/", media_type=MediaType.TEXT)
    async def root() -> str:
        dispatch("new event", payload={"id": 1})
        return "OK"

    @get(path="/other", media_type=MediaType.TEXT)
    async def other() -> str:
        dispatch("other event")
        return "OK"

    app = Litestar(
        middleware=[DefineMiddleware(EventHandlerASGIMiddleware, handlers=[rec])],
        route_handlers=[root, other],
    )
    with TestClient(app=app) as client:
        assert client.get("/").text == "OK"
        assert client.get("/other").text == "OK"
    assert rec.events == [("new event", {"id": 1}), ("other event", None)]
