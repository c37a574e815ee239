"""A Pub/Sub outage in the middle of the traffic, with default settings: nothing is lost."""

from __future__ import annotations

import json

from events_pubsub import GoogleCloudSimplePubSubHandler
from tests.outage import order_app, traffic_with_a_cut
from tests.proxy import FlakyProxy
from tests.pubsub.fixtures import PROJECT

from .helpers import make_subscription, make_topic, pull_all

REQUESTS = 5000
EVENTS_PER_REQUEST = 10


async def test_a_cut_of_several_seconds_loses_no_event(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    host, port = pubsub_host.split(":")
    proxy = await FlakyProxy(host, int(port)).start()
    forwarder = GoogleCloudSimplePubSubHandler(
        PROJECT, topic, api_root=f"http://{proxy.address}/v1", api_is_dev=True
    )
    app = order_app(forwarder, EVENTS_PER_REQUEST)
    peak = await traffic_with_a_cut(app, forwarder, proxy, REQUESTS)
    await forwarder.aclose()
    await proxy.close()

    expected = {(n, i) for n in range(REQUESTS) for i in range(EVENTS_PER_REQUEST)}
    messages = await pull_all(subscription, expect=len(expected), timeout=120)
    received = {(json.loads(m.data)[1]["order"], json.loads(m.data)[1]["item"]) for m in messages}
    assert expected - received == set()  # duplicates allowed, nothing missing
    assert peak <= forwarder.max_buffered
