"""SQS forwarding under load, run unchanged under our packages or fastapi-events 0.12.2.

Needs ``SQS_ENDPOINT`` (a moto server on loopback, started by ``sqs_run.py``). Prints JSON:
the event loop's largest stall while 2,000 events are forwarded with 8 requests in flight,
forwarding throughput, plain sequential boto3 ``send_message_batch`` throughput (the ceiling),
and, under our packages, the consumer's throughput.

moto's cost per send grows with the depth of the queue (8 ms per batch when empty, 300 ms at
1,600 messages), so every figure is taken over 10 rounds of 200 events, each round with a fresh
queue: the server stays as fast for all three.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from typing import Any

import boto3
from fastapi import FastAPI
from loop_stall import app_with, drive, stall, with_ticker

from fastapi_events.handlers.aws import SQSForwardHandler

ENDPOINT = os.environ["SQS_ENDPOINT"]
REGION = "us-east-1"
EVENTS = 2000
ROUNDS = 10
PER_ROUND = EVENTS // ROUNDS
PER_REQUEST = 8
IN_FLIGHT = 8


def sqs_client() -> Any:
    return boto3.client("sqs", region_name=REGION, endpoint_url=ENDPOINT)


def new_queue() -> str:
    return str(sqs_client().create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"])


def queue_length(url: str) -> int:
    found = sqs_client().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(found["Attributes"]["ApproximateNumberOfMessages"])


async def idle() -> None:
    await asyncio.sleep(1.0)


def build_app(url: str) -> tuple[FastAPI, Any]:
    """The app and its forwarder, built before the measurement starts (as at start-up)."""
    handler = SQSForwardHandler(url, REGION, endpoint_url=ENDPOINT)
    return app_with(handler, PER_REQUEST), handler


async def forward_through_app(app: FastAPI, handler: Any) -> None:
    await drive(app, handler, PER_ROUND // PER_REQUEST, IN_FLIGHT)


def boto3_sequential(url: str) -> float:
    client = sqs_client()
    body = json.dumps(["bench.event", {"i": 0, "text": "x" * 100}])
    start = time.perf_counter()
    for _ in range(PER_ROUND // 10):
        client.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i in range(10)]
        )
    return time.perf_counter() - start


async def consume(url: str) -> float:
    from events_local import LocalHandler
    from events_sqs import SQSConsumer

    handler = LocalHandler()

    @handler.register(event_name="*")
    async def noop(event: Any) -> None:
        return None

    consumer = SQSConsumer(
        url, handler, region_name=REGION, endpoint_url=ENDPOINT, concurrency=50, wait_time_seconds=1
    )
    start = time.perf_counter()
    async with consumer.running():
        while consumer.stats.settled < PER_ROUND:  # noqa: ASYNC110 - polling a counter
            await asyncio.sleep(0.01)
    return time.perf_counter() - start


async def main() -> None:
    result: dict[str, Any] = {}
    _, idle_lateness = await with_ticker(idle)
    result["idle"] = stall(idle_lateness)
    elapsed_all, lateness_all, delivered = 0.0, [], 0
    for _ in range(ROUNDS):
        url = new_queue()
        app, handler = build_app(url)
        start = getattr(handler, "astart", None)
        if start is not None:  # what lifespan startup does for our handlers
            await start()
        elapsed, lateness = await with_ticker(
            lambda app=app, handler=handler: forward_through_app(app, handler)
        )
        elapsed_all += elapsed
        lateness_all += lateness
        delivered += queue_length(url)
    result["forward"] = stall(lateness_all)
    result["forward"]["worst_ticks_ms"] = sorted(x * 1000 for x in lateness_all)[-5:]
    result["forward"]["events_per_s"] = EVENTS / elapsed_all
    result["forward"]["delivered"] = delivered
    baseline = [new_queue() for _ in range(ROUNDS)]
    result["boto3_sequential_events_per_s"] = EVENTS / sum(boto3_sequential(u) for u in baseline)
    if _ours():
        consumed = 0.0
        for url in baseline:
            consumed += await consume(url)
        result["consumer_events_per_s"] = EVENTS / consumed
    json.dump(result, sys.stdout)


def _ours() -> bool:
    try:
        import events_sqs  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    asyncio.run(main())
