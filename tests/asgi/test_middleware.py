from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from events_asgi import EventHandlerASGIMiddleware
from events_asgi.testing import lifespan, send_request
from events_asgi.types import Message, Receive, Scope, Send
from events_core import BaseEventHandler, ConfigurationError, Event, HandlerFailure, dispatch


class Recorder(BaseEventHandler):
    def __init__(self, log: list[str] | None = None) -> None:
        self.events: list[Event] = []
        self.log = log if log is not None else []

    async def handle(self, event: Event) -> None:
        if event[0] == "explode":
            raise RuntimeError("handler exploded")
        self.events.append(event)
        self.log.append(f"handled {event[0]}")


async def endpoint(request: Request) -> Response:
    dispatch("requested", {"path": request.url.path})
    return PlainTextResponse("ok")


async def fails(request: Request) -> Response:
    dispatch("before-crash")
    raise RuntimeError("endpoint crashed")


async def answers_503(request: Request) -> Response:
    dispatch("unavailable")
    return PlainTextResponse("busy", status_code=503)


async def answers_404(request: Request) -> Response:
    dispatch("not-found")
    return PlainTextResponse("nope", status_code=404)


async def spawns(request: Request) -> Response:
    async def later() -> None:
        await asyncio.sleep(0.02)
        dispatch("from-spawned-task")

    request.app.state.spawned = asyncio.create_task(later())
    dispatch("in-request")
    return PlainTextResponse("ok")


async def explode(request: Request) -> Response:
    dispatch("explode")
    dispatch("after-explode")
    return PlainTextResponse("ok")


async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    dispatch("ws-connected")
    await websocket.send_text("hi")
    await websocket.close()


ROUTES = [
    Route("/", endpoint),
    Route("/fail", fails),
    Route("/503", answers_503),
    Route("/404", answers_404),
    Route("/spawn", spawns),
    Route("/explode", explode),
    WebSocketRoute("/ws", ws),
]


def make_app(handler: BaseEventHandler, **options: Any) -> Starlette:
    return Starlette(
        routes=ROUTES,
        middleware=[Middleware(EventHandlerASGIMiddleware, handlers=[handler], **options)],
    )


async def test_events_are_handled_after_the_response_is_sent() -> None:
    log: list[str] = []
    app = make_app(Recorder(log))

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                log.append("response sent")
            await send(message)

        await app(scope, receive, watch)

    response = await send_request(outer, "/")
    assert response.status == 200
    assert log == ["response sent", "handled requested"]


async def test_events_of_a_spawned_task_finishing_after_the_response_are_handled() -> None:
    rec = Recorder()
    app = make_app(rec)
    async with lifespan(app):
        await send_request(app, "/spawn")
        assert [e[0] for e in rec.events] == ["in-request"]
        await app.state.spawned
    # lifespan shutdown drained the bus
    assert [e[0] for e in rec.events] == ["in-request", "from-spawned-task"]


@pytest.mark.parametrize(
    ("policy", "path", "handled"),
    [
        ("always", "/fail", ["before-crash"]),
        ("always", "/503", ["unavailable"]),
        ("on_success", "/fail", []),
        ("on_success", "/503", []),
        ("on_success", "/404", []),
        ("on_success", "/", ["requested"]),
        ("never", "/fail", []),
        ("never", "/503", []),
        ("never", "/404", ["not-found"]),
        ("never", "/", ["requested"]),
    ],
)
def test_failure_policies(policy: str, path: str, handled: list[str]) -> None:
    rec = Recorder()
    app = make_app(rec, failure_policy=policy)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get(path)
    assert [e[0] for e in rec.events] == handled


def test_websocket_events_are_handled() -> None:
    rec = Recorder()
    with TestClient(make_app(rec)) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hi"
    assert [e[0] for e in rec.events] == ["ws-connected"]


def test_dispatch_during_lifespan_and_shutdown_drain() -> None:
    rec = Recorder()

    @contextlib.asynccontextmanager
    async def life(app: Starlette) -> AsyncIterator[None]:
        dispatch("app-started")
        yield
        dispatch("app-stopping")

    app = Starlette(
        routes=ROUTES,
        lifespan=life,
        middleware=[Middleware(EventHandlerASGIMiddleware, handlers=[rec])],
    )
    with TestClient(app) as client:
        client.get("/")
    assert [e[0] for e in rec.events] == ["app-started", "requested", "app-stopping"]


def test_handler_errors_are_isolated_and_reported() -> None:
    rec = Recorder()
    failures: list[HandlerFailure] = []
    app = make_app(rec, on_error=failures.append)
    with TestClient(app) as client:
        assert client.get("/explode").status_code == 200
    assert [e[0] for e in rec.events] == ["after-explode"]
    assert failures[0].event_names == ("explode",)


def test_raise_handler_errors_fails_the_test_client_call() -> None:
    app = make_app(Recorder(), raise_handler_errors=True)
    with TestClient(app) as client, pytest.raises(RuntimeError, match="handler exploded"):
        client.get("/explode")


def test_middleware_id_reaches_one_of_several_apps() -> None:
    first, second = Recorder(), Recorder()
    app1 = make_app(first, middleware_id=101)
    app2 = make_app(second, middleware_id=202)
    with TestClient(app1), TestClient(app2) as client2:
        client2.portal.call(_dispatch_outside, 202)  # type: ignore[union-attr]
    assert [e[0] for e in second.events] == ["outside"]
    assert first.events == []


async def _dispatch_outside(middleware_id: int) -> None:
    dispatch("outside", middleware_id=middleware_id)


def test_bad_configuration_is_reported_where_the_middleware_is_built() -> None:
    with pytest.raises(ConfigurationError, match="needs handlers"):
        EventHandlerASGIMiddleware(PlainTextResponse("x"))
    with pytest.raises(ConfigurationError, match="failure_policy"):
        EventHandlerASGIMiddleware(PlainTextResponse("x"), handlers=[], failure_policy="sometimes")
    with pytest.raises(ConfigurationError, match="not an event handler"):
        EventHandlerASGIMiddleware(PlainTextResponse("x"), handlers=[lambda e: None])


async def test_other_scope_types_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    middleware = EventHandlerASGIMiddleware(app, handlers=[Recorder()])

    async def receive() -> Message:
        return {}

    async def send(message: Message) -> None:
        return None

    await middleware({"type": "custom"}, receive, send)
    assert seen == ["custom"]


async def test_json_endpoint_through_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")

    rec = Recorder()
    app = fastapi.FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[rec])

    @app.post("/items")
    async def create(item: dict[str, int]) -> JSONResponse:
        dispatch("item-created", item)
        return JSONResponse(item, status_code=201)

    response = await send_request(
        app,
        "/items",
        method="POST",
        body=b'{"a": 1}',
        headers=[(b"content-type", b"application/json")],
    )
    assert response.status == 201
    assert rec.events == [("item-created", {"a": 1})]
