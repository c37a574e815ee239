"""SQS forwarding under load, run unchanged under our packages or fastapi-events 0.12.2.

Needs ``SQS_ENDPOINT`` (a moto server on loopback, started by ``sqs_run.py``). Prints JSON:
the event loop's largest stall while 2,000 events are forwarded with 8 requests in flight,
forwarding throughput, plain sequential boto3 ``send_message_batch`` throughput (the ceiling),
and, under our packages, the consumer's throughput.

moto's cost per send grows with the depth of the queue (8 ms per batch when empty, 300 ms at
1,600 messages), so every figure is taken over 10 rounds of 200 events, each round starting
with an empty queue: the server stays as fast for all three. One app and forwarder serve all
rounds, as in a long-lived process; rounds of the forwarder and of the baseline alternate. A
first round is not measured (the first request of a fresh process pays one-time costs: FastAPI
reads the endpoint's source, regular expressions get compiled), and a full garbage collection
runs before each round, outside the measurement, so garbage the benchmark itself made between
rounds is not collected inside one. All of this applies to both implementations.

``sqs_run.py`` keeps moto on a CPU of its own: on a small machine the server's load would
otherwise delay this process's wake-ups, whatever its loop does.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import sys
import time
import uuid
from typing import Any

import boto3
from fastapi import FastAPI
from loop_stall import app_with, drive, stall, start, with_ticker

from fastapi_events.handlers.aws import SQSForwardHandler

ENDPOINT = os.environ["SQS_ENDPOINT"]
REGION = "us-east-1"
EVENTS = 2000
ROUNDS = 10
PER_ROUND = EVENTS // ROUNDS
PER_REQUEST = 8
IN_FLIGHT = 8


@functools.cache
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
    """One round; the handler stays open for the next, as in a long-lived app."""
    await drive(app, handler, PER_ROUND // PER_REQUEST, IN_FLIGHT, close=False)


def purge(url: str) -> None:
    sqs_client().purge_queue(QueueUrl=url)


def boto3_sequential(url: str) -> float:
    """The ceiling: the same messages (body and the two attributes our forwarder adds), sent
    in full batches one call after the other."""
    client = sqs_client()
    body = json.dumps(["bench.event", {"i": 0, "text": "x" * 100}])

    def entry(i: int) -> dict[str, Any]:
        attributes = {"event_name": "bench.event", "event_id": uuid.uuid4().hex}
        return {
            "Id": str(i),
            "MessageBody": body,
            "MessageAttributes": {
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            },
        }

    began = time.perf_counter()
    for _ in range(PER_ROUND // 10):
        client.send_message_batch(QueueUrl=url, Entries=[entry(i) for i in range(10)])
    return time.perf_counter() - began


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
    began = time.perf_counter()
    async with consumer.running():
        while consumer.stats.settled < PER_ROUND:  # noqa: ASYNC110 - polling a counter
            await asyncio.sleep(0.01)
    return time.perf_counter() - began


async def main() -> None:
    result: dict[str, Any] = {}
    _, idle_lateness = await with_ticker(idle)
    result["idle"] = stall(idle_lateness)
    url = new_queue()
    app, handler = build_app(url)  # one app and forwarder for the whole run, as in production
    await start(handler)
    await forward_through_app(app, handler)  # warm-up round, not measured
    elapsed_all, lateness_all, delivered = 0.0, [], 0
    baseline, baseline_elapsed = [], 0.0
    for round_number in range(ROUNDS):
        # the baseline's rounds alternate with ours, first one then the other: moto's state
        # and the machine's mood change over a run, and they should touch both alike
        if round_number % 2:
            baseline.append(new_queue())
            baseline_elapsed += boto3_sequential(baseline[-1])
        purge(url)  # moto slows with queue depth: each round starts with an empty queue
        gc.collect()
        elapsed, lateness = await with_ticker(lambda: forward_through_app(app, handler))
        elapsed_all += elapsed
        lateness_all += lateness
        delivered += queue_length(url)
        if not round_number % 2:
            baseline.append(new_queue())
            baseline_elapsed += boto3_sequential(baseline[-1])
    close = getattr(handler, "aclose", None)
    if close is not None:
        await close()
    result["forward"] = stall(lateness_all)
    result["forward"]["worst_ticks_ms"] = sorted(x * 1000 for x in lateness_all)[-5:]
    result["forward"]["events_per_s"] = EVENTS / elapsed_all
    result["forward"]["delivered"] = delivered
    result["boto3_sequential_events_per_s"] = EVENTS / baseline_elapsed
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
