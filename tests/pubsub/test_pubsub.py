from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
import yarl
from fastapi import FastAPI
from gcloud.aio.pubsub import PublisherClient, PubsubMessage
from multidict import CIMultiDict, CIMultiDictProxy

from events_asgi.testing import send_request
from events_core import ConfigurationError, Envelope, Event, EventBus, HandlerFailure, dispatch
from events_core.retry import Backoff
from events_local import Depends, LocalHandler
from events_pubsub import GoogleCloudSimplePubSubHandler, PubSubDeliveryError, PubSubSubscriber
from fastapi_events.middleware import EventHandlerASGIMiddleware
from tests.pubsub.fixtures import PROJECT
from tests.waiting import until

from .helpers import make_subscription, make_topic, pull_all

NO_DELAY = Backoff(initial=0, maximum=0, jitter=0, attempts=1)
FAST = Backoff(initial=0.01, maximum=0.05, attempts=3)


def subscriber(subscription_id: str, handler: LocalHandler, **options: Any) -> PubSubSubscriber:
    options.setdefault("backoff", NO_DELAY)
    options.setdefault("pull_timeout", 1)
    return PubSubSubscriber(PROJECT, subscription_id, handler, **options)


async def publish_raw(topic_id: str, *messages: PubsubMessage) -> None:
    async with PublisherClient() as publisher:
        await publisher.publish(f"projects/{PROJECT}/topics/{topic_id}", list(messages))


async def test_round_trip_from_a_request_to_a_remote_handler(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    publisher = GoogleCloudSimplePubSubHandler(PROJECT, topic)
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[publisher])

    @app.post("/signup")
    async def signup() -> dict[str, bool]:
        dispatch("user.signed_up", {"user_id": 3, "plan": "pro"})
        return {"ok": True}

    await send_request(app, "/signup", method="POST")
    await publisher.aclose()

    worker = LocalHandler()
    received: list[tuple[Event, str]] = []

    def plan_label(event: Event) -> str:
        return f"plan {event[1]['plan']}"

    @worker.register(event_name="user.*")
    async def on_user(event: Event, label: str = Depends(plan_label)) -> None:
        received.append((event, label))

    sub = subscriber(subscription, worker)
    async with sub.running():
        await until(lambda: sub.stats.settled == 1)
    ((event, label),) = received
    assert tuple(event) == ("user.signed_up", {"user_id": 3, "plan": "pro"})
    assert label == "plan pro"


async def test_batches_past_a_thousand_and_the_attributes(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    handler = GoogleCloudSimplePubSubHandler(PROJECT, topic, backoff=FAST)
    sizes: list[int] = []
    publisher = handler._publisher.get()
    original = publisher.publish

    async def counting(topic_path: str, messages: list[PubsubMessage], **kwargs: Any) -> Any:
        sizes.append(len(messages))
        return await original(topic_path, messages, **kwargs)

    publisher.publish = counting
    events: list[Event] = [("bulk", {"n": n}) for n in range(2499)]
    events.append(Envelope("traced", {"n": -1}, id="fixed-id", headers={"traceparent": "00-ab"}))
    failures: list[HandlerFailure] = []
    bus = EventBus([handler], on_error=failures.append, discoverable=False)
    await bus.handle(events)
    assert failures == []
    assert sizes == [1000, 1000, 500]
    got = await pull_all(subscription, expect=2500)
    assert len(got) == 2500
    assert sorted(json.loads(m.data)[1]["n"] for m in got) == list(range(-1, 2499))
    traced = next(m for m in got if m.attributes["event_name"] == "traced")
    assert traced.attributes == {
        "event_name": "traced",
        "event_id": "fixed-id",
        "traceparent": "00-ab",
    }
    assert json.loads(got[0].data)[0] in {"bulk", "traced"}
    await handler.aclose()


async def test_a_refused_event_is_isolated_and_the_rest_published(pubsub_host: str) -> None:
    """A request refused as a whole (400) is split until the refused event stands alone.

    The emulator refuses only empty messages, which the forwarder never sends, so the refusal
    of one event is simulated (a mock for a failure the real server cannot produce); every other
    request goes to the emulator.
    """
    topic = await make_topic()
    subscription = await make_subscription(topic)
    handler = GoogleCloudSimplePubSubHandler(PROJECT, topic, backoff=FAST)
    publisher = handler._publisher.get()
    original = publisher.publish
    requests: list[int] = []

    async def refuses_bad(topic_path: str, messages: list[PubsubMessage], **kwargs: Any) -> Any:
        requests.append(len(messages))
        if any(m.attributes.get("event_name") == "bad" for m in messages):
            url = yarl.URL(f"http://{pubsub_host}/")
            info = aiohttp.RequestInfo(url, "POST", CIMultiDictProxy(CIMultiDict()), url)
            raise aiohttp.ClientResponseError(
                request_info=info,
                history=(),
                status=400,
                message="Bad Request: INVALID_ARGUMENT",
            )
        return await original(topic_path, messages, **kwargs)

    publisher.publish = refuses_bad
    failures: list[HandlerFailure] = []
    bus = EventBus([handler], on_error=failures.append, discoverable=False)
    await bus.handle([("ok-1", 1), ("bad", 0), ("ok-2", 2), ("ok-3", 3)])
    assert [f.event_names for f in failures] == [("bad",)]
    assert isinstance(failures[0].exception, PubSubDeliveryError)
    assert failures[0].exception.permanent
    assert requests == [4, 2, 1, 1, 2]
    names = sorted(m.attributes["event_name"] for m in await pull_all(subscription, expect=3))
    assert names == ["ok-1", "ok-2", "ok-3"]
    await handler.aclose()


async def test_ordering_keys(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic, enableMessageOrdering=True)
    handler = GoogleCloudSimplePubSubHandler(
        PROJECT, topic, max_batch_size=3, ordering_key=lambda e: str(e[1]["user"])
    )
    bus = EventBus([handler], discoverable=False)
    await bus.handle([("step", {"user": u, "n": n}) for n in range(5) for u in ("a", "b")])
    by_key: dict[str, list[int]] = {}
    for message in await pull_all(subscription, expect=10):
        body = json.loads(message.data)
        by_key.setdefault(body[1]["user"], []).append(body[1]["n"])
    assert by_key == {"a": list(range(5)), "b": list(range(5))}
    await handler.aclose()


async def test_nack_and_redelivery(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    await publish_raw(topic, PubsubMessage(json.dumps(["job", {"id": 1}])))
    worker = LocalHandler()
    attempts: list[int] = []

    @worker.register(event_name="job")
    async def flaky(event: Event) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")

    sub = subscriber(subscription, worker)
    async with sub.running():
        await until(lambda: sub.stats.settled == 1)
    assert len(attempts) == 2
    assert sub.stats.failed == 1


async def test_dead_lettering_after_the_configured_attempts(pubsub_host: str) -> None:
    topic = await make_topic()
    dead_topic = await make_topic("dead")
    dead_sub = await make_subscription(dead_topic, "dead-sub")
    policy = {
        "deadLetterTopic": f"projects/{PROJECT}/topics/{dead_topic}",
        "maxDeliveryAttempts": 5,
    }
    subscription = await make_subscription(topic, deadLetterPolicy=policy)
    await publish_raw(topic, PubsubMessage(json.dumps(["doomed", {"id": 2}])))
    worker = LocalHandler()
    attempts: list[int] = []

    @worker.register(event_name="doomed")
    async def never(event: Event) -> None:
        attempts.append(1)
        raise RuntimeError("never works")

    sub = subscriber(subscription, worker)
    async with sub.running():
        await until(lambda: len(attempts) >= 5)
        dead = await pull_all(dead_sub, expect=1)
    assert len(attempts) == 5
    assert [json.loads(m.data) for m in dead] == [["doomed", {"id": 2}]]


async def test_malformed_data_does_not_stop_the_subscriber(
    pubsub_host: str, caplog: pytest.LogCaptureFixture
) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    await publish_raw(
        topic,
        PubsubMessage(b"not json"),
        PubsubMessage(b'{"no": "list"}'),
        PubsubMessage(json.dumps(["good", 1])),
    )
    worker = LocalHandler()
    got: list[Event] = []
    worker.register(got.append, event_name="good")
    sub = subscriber(subscription, worker, backoff=Backoff(initial=60, jitter=0, attempts=1))
    async with sub.running():
        await until(lambda: sub.stats.settled == 1 and sub.stats.malformed == 2)
    assert [tuple(e) for e in got] == [("good", 1)]
    assert "Pub/Sub subscriber: malformed message" in caplog.text


async def test_graceful_stop_and_lease_extension(pubsub_host: str) -> None:
    topic = await make_topic()
    subscription = await make_subscription(topic)
    await publish_raw(topic, PubsubMessage(json.dumps(["slow", 1])))
    worker = LocalHandler()
    started = asyncio.Event()
    finished: list[int] = []
    extended: list[int] = []

    @worker.register(event_name="slow")
    async def slow(event: Event) -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(event[1])

    sub = subscriber(subscription, worker, shutdown_timeout=5)
    original = sub.in_flight

    async def counting(messages: list[Any]) -> None:
        extended.append(len(messages))
        await original(messages)

    sub.in_flight = counting  # type: ignore[method-assign]
    sub.lease_interval = 0.1  # extend the lease while the slow handler runs
    async with sub.running():
        await asyncio.wait_for(started.wait(), 20)
    assert finished == [1]
    assert sub.stats.settled == 1
    assert extended
    assert set(extended) == {1}
    assert await pull_all(subscription, expect=1, timeout=1) == []


def test_configuration_mistakes() -> None:
    with pytest.raises(ConfigurationError, match="between 1 and 1000"):
        GoogleCloudSimplePubSubHandler("p", "t", max_batch_size=1001)
    with pytest.raises(ConfigurationError, match="serializer must be callable"):
        GoogleCloudSimplePubSubHandler("p", "t", serializer="json")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="project_id and topic_id"):
        GoogleCloudSimplePubSubHandler("", "t")
    handler = GoogleCloudSimplePubSubHandler(
        "p", "t", batch_settings_kwargs={"max_messages": 50, "max_bytes": 1000}
    )
    assert (handler.max_batch_size, handler.max_request_bytes) == (50, 1000)


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    from events_pubsub.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "--subscription" in capsys.readouterr().out
