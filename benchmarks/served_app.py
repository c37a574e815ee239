"""The app that benchmarks/uvicorn_wrk.py serves: ``bare``, or with the middleware (``events``).

Imports only ``fastapi_events.*`` paths, so it runs under ours and under fastapi-events 0.12.2.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from fastapi_events.dispatcher import dispatch
from fastapi_events.handlers.local import local_handler
from fastapi_events.middleware import EventHandlerASGIMiddleware

KIND = os.environ.get("BENCH_APP", "bare")
app = FastAPI()
handled = 0

if KIND == "events":
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[local_handler])

    @local_handler.register(event_name="bench-event")
    async def count(event: Any) -> None:
        global handled
        handled += 1


@app.get("/one")
async def one() -> PlainTextResponse:
    if KIND == "events":
        dispatch("bench-event", {"id": 1})
    return PlainTextResponse("ok")
