"""One trace from an HTTP request through SQS (moto) to the handler of a remote consumer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI

from events_asgi.testing import send_request
from events_core import Event
from events_local import LocalHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware

from .conftest import Telemetry

pytest.importorskip("aioboto3")

from events_sqs import SQSConsumer, SQSForwardHandler
from tests.sqs.fixtures import REGION, make_queue


async def test_one_trace_across_the_queue(
    telemetry: Telemetry, sqs: Any, sqs_endpoint: str
) -> None:
    url = await make_queue(sqs, "traced")
    forwarder = SQSForwardHandler(url, REGION, endpoint_url=sqs_endpoint)
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[forwarder])

    @app.post("/pay")
    async def pay() -> dict[str, bool]:
        dispatch("payment.made", {"amount": 5})
        return {"ok": True}

    await send_request(app, "/pay", method="POST")
    await forwarder.aclose()

    worker = LocalHandler()
    received: list[Event] = []
    worker.register(received.append, event_name="payment.*")
    consumer = SQSConsumer(
        url, worker, region_name=REGION, endpoint_url=sqs_endpoint, wait_time_seconds=1
    )
    async with consumer.running():
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.02)

    dispatched = telemetry.span("Event payment.made dispatched")
    sent = telemetry.span("send traced")
    remote = telemetry.span("handling event payment.made with LocalHandler")
    trace_id = dispatched.context.trace_id
    assert sent.context.trace_id == trace_id
    assert remote.context.trace_id == trace_id
    assert sent.parent is not None
    assert sent.parent.span_id == dispatched.context.span_id
    assert remote.parent is not None
    assert remote.parent.span_id == dispatched.context.span_id
    assert sent.attributes is not None
    assert sent.attributes["messaging.system"] == "aws_sqs"
    assert received[0].headers["traceparent"].split("-")[1] == format(trace_id, "032x")  # type: ignore[attr-defined]
