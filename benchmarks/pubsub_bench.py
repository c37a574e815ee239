"""Publishing to Pub/Sub under load, run under our packages or fastapi-events 0.12.2.

Needs ``PUBSUB_EMULATOR_HOST`` (Google's emulator on loopback, started by ``pubsub_run.py``).
Prints JSON: the event loop's largest stall while 2,000 events are published with 8 requests
in flight, the publish throughput (events/s until all are in the topic's subscription) and,
under our packages, the subscriber's throughput.

A warm-up run is not measured (the first requests of a fresh process pay one-time costs:
FastAPI reads the endpoint's source, regular expressions get compiled), and a full garbage
collection runs before the measurement. Both apply to both implementations.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
import uuid
from typing import Any

from fastapi import FastAPI
from loop_stall import app_with, drive, stall, start, with_ticker

from fastapi_events.handlers.gcp import GoogleCloudSimplePubSubHandler

PROJECT = "bench-project"
EVENTS = 2000
PER_REQUEST = 8
IN_FLIGHT = 8


def admin() -> tuple[Any, Any]:
    from gcloud.aio.pubsub import PublisherClient, SubscriberClient  # the bench's own set-up

    return PublisherClient(), SubscriberClient()


async def topic_with_subscription() -> tuple[str, str]:
    publisher, subscriber = admin()
    topic_id = f"bench-{uuid.uuid4().hex[:8]}"
    topic = f"projects/{PROJECT}/topics/{topic_id}"
    subscription = f"projects/{PROJECT}/subscriptions/{topic_id}-sub"
    await publisher.create_topic(topic)
    await subscriber.create_subscription(subscription, topic, body={"ackDeadlineSeconds": 60})
    await publisher.close()
    await subscriber.close()
    return topic_id, subscription


async def drain(subscription: str, expect: int, timeout: float = 120) -> int:
    _, subscriber = admin()
    got = 0
    deadline = time.monotonic() + timeout
    while got < expect and time.monotonic() < deadline:
        try:
            messages = await subscriber.pull(subscription, max_messages=1000, timeout=5)
        except asyncio.TimeoutError:
            continue
        if messages:
            got += len(messages)
            await subscriber.acknowledge(subscription, [m.ack_id for m in messages])
    await subscriber.close()
    return got


def build_app(topic_id: str) -> tuple[FastAPI, Any]:
    """The app and its forwarder, built before the measurement starts (as at start-up)."""
    handler = GoogleCloudSimplePubSubHandler(PROJECT, topic_id, batch_settings_kwargs={})
    return app_with(handler, PER_REQUEST), handler


async def publish_through_app(app: FastAPI, handler: Any) -> None:
    await drive(app, handler, EVENTS // PER_REQUEST, IN_FLIGHT)


async def subscribe(subscription: str) -> float:
    from events_local import LocalHandler
    from events_pubsub import PubSubSubscriber

    handler = LocalHandler()

    @handler.register(event_name="*")
    async def noop(event: Any) -> None:
        return None

    project, _, subscription_id = subscription.split("/")[1:4]
    subscriber = PubSubSubscriber(project, subscription_id, handler, concurrency=100)
    began = time.perf_counter()
    async with subscriber.running():
        while subscriber.stats.settled < EVENTS:  # noqa: ASYNC110 - polling a counter
            await asyncio.sleep(0.01)
    return time.perf_counter() - began


async def main() -> None:
    result: dict[str, Any] = {}
    _, idle_lateness = await with_ticker(lambda: asyncio.sleep(1.0))
    result["idle"] = stall(idle_lateness)
    warm_topic, _ = await topic_with_subscription()
    app, handler = build_app(warm_topic)  # warm-up, not measured
    await start(handler)
    await drive(app, handler, 25, IN_FLIGHT)
    topic_id, subscription = await topic_with_subscription()
    app, handler = build_app(topic_id)
    await start(handler)
    gc.collect()
    began = time.perf_counter()
    _, lateness = await with_ticker(lambda: publish_through_app(app, handler))
    delivered = await drain(subscription, EVENTS)
    elapsed = time.perf_counter() - began
    result["publish"] = stall(lateness)
    result["publish"]["events_per_s"] = EVENTS / elapsed
    result["publish"]["delivered"] = delivered
    try:
        import events_pubsub  # noqa: F401
    except ImportError:
        pass
    else:
        topic_id, subscription = await topic_with_subscription()
        app, handler = build_app(topic_id)
        await publish_through_app(app, handler)
        result["subscriber_events_per_s"] = EVENTS / await subscribe(subscription)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
