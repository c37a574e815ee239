"""Measuring event-loop stalls, and the ASGI scope the load benchmarks send."""

from __future__ import annotations

import asyncio
import time
from typing import Any

SCOPE = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
    "scheme": "http", "path": "/", "raw_path": b"/", "root_path": "", "query_string": b"",
    "headers": [], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
}  # fmt: skip


async def ticker(stop: asyncio.Event, lateness: list[float]) -> None:
    """Sleep 1 ms again and again; record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.001)
        lateness.append(loop.time() - start - 0.001)


async def with_ticker(work: Any) -> tuple[float, list[float]]:
    stop = asyncio.Event()
    lateness: list[float] = []
    tick = asyncio.ensure_future(ticker(stop, lateness))
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - start
    stop.set()
    await tick
    return elapsed, lateness


def stall(lateness: list[float]) -> dict[str, float]:
    return {
        "max_ms": max(lateness) * 1000,
        "late_share": sum(1 for x in lateness if x > 0.001) / len(lateness),
    }


async def drive(
    app: Any, handler: Any, requests: int, in_flight: int, *, close: bool = True
) -> None:
    """Send ``requests`` GETs to ``app``, ``in_flight`` at a time; then close ``handler`` (or,
    with ``close=False``, wait until it has sent everything, as a long-lived app would)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    slots = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with slots:
            await app(dict(SCOPE, state={}), receive, send)

    await asyncio.gather(*(one() for _ in range(requests)))
    finish = getattr(handler, "aclose" if close else "drain_sends", None)
    if finish is not None:
        await finish()


async def start(handler: Any) -> None:
    """What lifespan startup does for our handlers (client, queue, size limit); the original's
    handlers have no such step."""
    begin = getattr(handler, "astart", None)
    if begin is not None:
        await begin()


def app_with(handler: Any, per_request: int) -> Any:
    """A FastAPI app whose ``GET /`` dispatches ``per_request`` events to ``handler``, its
    middleware stack built ahead (as at start-up, outside any measurement)."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from fastapi_events.dispatcher import dispatch
    from fastapi_events.middleware import EventHandlerASGIMiddleware

    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[handler])

    @app.get("/")
    async def index() -> PlainTextResponse:
        for i in range(per_request):
            dispatch("bench.event", {"i": i, "text": "x" * 100})
        return PlainTextResponse("ok")

    app.middleware_stack = app.build_middleware_stack()
    return app
