"""The app the load test serves with uvicorn: 10 events a request, each counted once handled."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI

from events_core import Event
from events_local import LocalHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware

handler = LocalHandler()
handled: Counter[tuple[int, int]] = Counter()


@handler.register(event_name="hit")
async def count(event: Event) -> None:
    handled[(event[1]["request"], event[1]["item"])] += 1


app = FastAPI()
app.add_middleware(EventHandlerASGIMiddleware, handlers=[handler])


@app.get("/hit/{request}")
async def hit(request: int) -> dict[str, int]:
    for item in range(10):
        dispatch("hit", {"request": request, "item": item})
    return {"request": request}


@app.get("/stats")
async def stats() -> dict[str, int]:
    return {
        "handled": sum(handled.values()),
        "distinct": len(handled),
        "most_per_event": max(handled.values(), default=0),
    }
