"""The app the restart test serves: 5 events a request, forwarded to SQS with an outbox.

Configured by the environment: SQS_URL, SQS_ENDPOINT, OUTBOX.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from events_sqs import SQSForwardHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware

forwarder = SQSForwardHandler(
    os.environ["SQS_URL"],
    "us-east-1",
    endpoint_url=os.environ["SQS_ENDPOINT"],
    outbox=os.environ["OUTBOX"],
)
forwarder.shutdown_grace = 0.5
app = FastAPI()
app.add_middleware(EventHandlerASGIMiddleware, handlers=[forwarder], drain_timeout=1.0)


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/order/{number}")
async def order(number: int) -> dict[str, int]:
    for item in range(5):
        dispatch("order.line", {"order": number, "item": item})
    return {"order": number}
