"""Creating topics and subscriptions on the emulator, and reading them back."""

from __future__ import annotations

import asyncio
from typing import Any

from gcloud.aio.pubsub import PublisherClient, SubscriberClient

from tests.pubsub.fixtures import PROJECT, unique


async def make_topic(name: str = "topic") -> str:
    topic_id = unique(name)
    async with PublisherClient() as publisher:
        await publisher.create_topic(f"projects/{PROJECT}/topics/{topic_id}")
    return topic_id


async def make_subscription(topic_id: str, name: str = "sub", **body: Any) -> str:
    subscription_id = unique(name)
    async with SubscriberClient() as subscriber:
        await subscriber.create_subscription(
            f"projects/{PROJECT}/subscriptions/{subscription_id}",
            f"projects/{PROJECT}/topics/{topic_id}",
            body={"ackDeadlineSeconds": 10, **body},
        )
    return subscription_id


async def pull_all(subscription_id: str, expect: int, timeout: float = 15.0) -> list[Any]:
    """Pull and acknowledge until ``expect`` messages came or ``timeout`` passed."""
    got: list[Any] = []
    path = f"projects/{PROJECT}/subscriptions/{subscription_id}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with SubscriberClient() as subscriber:
        while len(got) < expect and loop.time() < deadline:
            try:
                messages = await subscriber.pull(path, max_messages=1000, timeout=2)
            except asyncio.TimeoutError:
                continue
            if messages:
                got.extend(messages)
                await subscriber.acknowledge(path, [m.ack_id for m in messages])
    return got
