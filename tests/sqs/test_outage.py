"""A broker outage in the middle of the traffic, with default settings: nothing is lost."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

from events_sqs import SQSForwardHandler
from tests.outage import order_app, traffic_with_a_cut
from tests.proxy import FlakyProxy

from .conftest import REGION, make_queue

REQUESTS = 100
EVENTS_PER_REQUEST = 10


async def test_a_cut_of_several_seconds_loses_no_event(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "outage")
    target = urlsplit(sqs_endpoint)
    proxy = await FlakyProxy(target.hostname or "127.0.0.1", target.port or 80).start()
    forwarder = SQSForwardHandler(url, REGION, endpoint_url=f"http://{proxy.address}")
    app = order_app(forwarder, EVENTS_PER_REQUEST)
    peak = await traffic_with_a_cut(app, forwarder, proxy, REQUESTS)
    await forwarder.aclose()
    await proxy.close()

    expected = {(n, i) for n in range(REQUESTS) for i in range(EVENTS_PER_REQUEST)}
    received: set[tuple[int, int]] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while received < expected and loop.time() < deadline:  # moto's receives slow with depth
        response = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = response.get("Messages", [])
        received.update(
            (json.loads(m["Body"])[1]["order"], json.loads(m["Body"])[1]["item"]) for m in messages
        )
        if messages:
            await sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
    assert expected - received == set()  # duplicates allowed, nothing missing
    assert peak <= forwarder.max_buffered
