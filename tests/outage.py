"""Traffic through an app whose path to the broker is cut for a while (see tests/proxy.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from events_asgi.testing import send_request
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware
from tests.proxy import FlakyProxy


def order_app(forwarder: Any, events_per_request: int) -> FastAPI:
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[forwarder])

    @app.get("/order/{number}")
    async def order(number: int) -> dict[str, int]:
        for item in range(events_per_request):
            dispatch("order.line", {"order": number, "item": item})
        return {"order": number}

    return app


async def traffic_with_a_cut(
    app: FastAPI,
    forwarder: Any,
    proxy: FlakyProxy,
    requests: int,
    cut_seconds: float = 3.0,
    clients: int = 50,
) -> int:
    """Send ``requests`` requests (``clients`` at a time), cutting the proxy for
    ``cut_seconds`` once a quarter of them are done; return the most events the forwarder held
    at once."""
    peak = 0
    done = 0
    quarter = asyncio.Event()
    slots = asyncio.Semaphore(clients)

    async def one(number: int) -> None:
        nonlocal peak, done
        async with slots:
            response = await send_request(app, f"/order/{number}")
            assert response.status == 200
        peak = max(peak, forwarder._outstanding)
        done += 1
        if done >= requests // 4:
            quarter.set()

    load = asyncio.ensure_future(asyncio.gather(*(one(n) for n in range(requests))))
    await asyncio.wait_for(quarter.wait(), 60)
    proxy.cut()  # the path to the broker goes down: connections reset, new ones refused
    await asyncio.sleep(cut_seconds)
    assert not load.done()  # still retrying, not given up
    proxy.restore()
    await asyncio.wait_for(load, 300)
    return peak
