"""One trace from an HTTP request through the Pub/Sub emulator to a subscriber's handler."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from events_asgi.testing import send_request
from events_core import Event
from events_local import LocalHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware

from .conftest import Telemetry

pytest.importorskip("gcloud.aio.pubsub")

from events_pubsub import GoogleCloudSimplePubSubHandler, PubSubSubscriber
from tests.pubsub.fixtures import PROJECT
from tests.pubsub.helpers import make_subscription, make_topic


async def test_one_trace_across_pubsub(telemetry: Telemetry, pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    publisher = GoogleCloudSimplePubSubHandler(PROJECT, topic)
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[publisher])

    @app.post("/ship")
    async def ship() -> dict[str, bool]:
        dispatch("parcel.shipped", {"parcel": 8})
        return {"ok": True}

    await send_request(app, "/ship", method="POST")
    await publisher.aclose()
    worker = LocalHandler()
    received: list[Event] = []
    worker.register(received.append, event_name="parcel.*")
    subscriber = PubSubSubscriber(PROJECT, subscription, worker, pull_timeout=1)
    async with subscriber.running():
        for _ in range(500):
            if received:
                break
            await asyncio.sleep(0.02)

    dispatched = telemetry.span("Event parcel.shipped dispatched")
    sent = telemetry.span(f"send {topic}")
    remote = telemetry.span("handling event parcel.shipped with LocalHandler")
    assert {sent.context.trace_id, remote.context.trace_id} == {dispatched.context.trace_id}
    assert remote.parent is not None
    assert remote.parent.span_id == dispatched.context.span_id
    assert sent.attributes is not None
    assert sent.attributes["messaging.system"] == "gcp_pubsub"
