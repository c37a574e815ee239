"""A broker outage in the middle of the traffic, with default settings: nothing is lost."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI

from events_asgi.testing import send_request
from events_sqs import SQSForwardHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware
from tests.proxy import FlakyProxy

from .conftest import REGION, make_queue

REQUESTS = 100
EVENTS_PER_REQUEST = 10


async def test_a_cut_of_several_seconds_loses_no_event(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "outage")
    target = urlsplit(sqs_endpoint)
    proxy = await FlakyProxy(target.hostname or "127.0.0.1", target.port or 80).start()
    forwarder = SQSForwardHandler(url, REGION, endpoint_url=f"http://{proxy.address}")
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[forwarder])

    @app.get("/order/{number}")
    async def order(number: int) -> dict[str, int]:
        for item in range(EVENTS_PER_REQUEST):
            dispatch("order.line", {"order": number, "item": item})
        return {"order": number}

    received: set[tuple[int, int]] = set()
    peak_buffered = 0

    async def drain() -> None:  # afterwards, straight to moto (its receives slow with depth)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while received < expected and loop.time() < deadline:
            response = await sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = response.get("Messages", [])
            if not messages:
                await asyncio.sleep(0.05)
            for message in messages:
                body = json.loads(message["Body"])[1]
                received.add((body["order"], body["item"]))
            if messages:
                await sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )

    async def traffic() -> None:
        nonlocal peak_buffered
        slots = asyncio.Semaphore(10)

        async def one(number: int) -> None:
            nonlocal peak_buffered
            async with slots:
                response = await send_request(app, f"/order/{number}")
                assert response.status == 200
            peak_buffered = max(peak_buffered, forwarder._outstanding)

        await asyncio.gather(*(one(n) for n in range(REQUESTS)))

    expected = {(n, i) for n in range(REQUESTS) for i in range(EVENTS_PER_REQUEST)}
    load = asyncio.ensure_future(traffic())
    await asyncio.sleep(1.0)
    proxy.cut()  # the path to SQS goes down: connections reset, new ones refused
    await asyncio.sleep(3.0)
    assert not load.done()  # still retrying
    proxy.restore()
    await asyncio.wait_for(load, 90)
    await forwarder.aclose()
    await drain()
    await proxy.close()
    assert expected - received == set()
    assert peak_buffered <= forwarder.max_buffered
