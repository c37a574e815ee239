from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from events_asgi.testing import lifespan as app_lifespan
from events_asgi.testing import send_request
from events_core import Event, registry
from events_core.retry import Backoff
from events_local import Depends, LocalHandler
from events_sqs import SQSConsumer, SQSForwardHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware
from tests.waiting import until

from .conftest import REGION, drain_queue, make_queue

NO_DELAY = Backoff(initial=0, maximum=0, jitter=0, attempts=1)


def consumer(url: str, endpoint: str, handler: LocalHandler, **options: Any) -> SQSConsumer:
    options.setdefault("backoff", NO_DELAY)
    options.setdefault("wait_time_seconds", 1)
    return SQSConsumer(url, handler, region_name=REGION, endpoint_url=endpoint, **options)


async def queue_size(sqs: Any, url: str) -> int:
    attributes = await sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    values = attributes["Attributes"]
    return int(values["ApproximateNumberOfMessages"]) + int(
        values["ApproximateNumberOfMessagesNotVisible"]
    )


async def test_round_trip_from_a_request_to_a_remote_handler(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "round-trip")
    app = FastAPI()
    forwarder = SQSForwardHandler(url, REGION, endpoint_url=sqs_endpoint)
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[forwarder])

    @app.post("/orders")
    async def place() -> dict[str, int]:
        dispatch("order.placed", {"order_id": 7, "items": ["tea", "cake"]})
        return {"order_id": 7}

    assert (await send_request(app, "/orders", method="POST")).status == 200
    await forwarder.aclose()

    worker = LocalHandler()
    received: list[tuple[Event, str]] = []

    async def get_greeting() -> str:
        return "hello from the worker"

    @worker.register(event_name="order.*")
    async def on_order(event: Event, greeting: str = Depends(get_greeting)) -> None:
        received.append((event, greeting))

    sqs_consumer = consumer(url, sqs_endpoint, worker)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.settled == 1)
    ((event, greeting),) = received
    assert tuple(event) == ("order.placed", {"order_id": 7, "items": ["tea", "cake"]})
    assert len(event.id) == 32  # type: ignore[attr-defined]
    assert greeting == "hello from the worker"
    assert await queue_size(sqs, url) == 0


async def test_redelivery_after_a_handler_failure(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "flaky")
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["job", {"id": 1}]))
    worker = LocalHandler()
    attempts: list[int] = []

    @worker.register(event_name="job")
    async def flaky(event: Event) -> None:
        attempts.append(event[1]["id"])
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    sqs_consumer = consumer(url, sqs_endpoint, worker)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.settled == 1)
    assert attempts == [1, 1]
    assert sqs_consumer.stats.failed == 1
    assert sqs_consumer.stats.handled == 1
    assert await queue_size(sqs, url) == 0


async def dead_letter_pair(sqs: Any, name: str, max_receives: int) -> tuple[str, str]:
    dlq = await make_queue(sqs, f"{name}-dlq")
    arn = (await sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"]))["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": str(max_receives)})
    return await make_queue(sqs, name, RedrivePolicy=policy), dlq


async def test_failing_event_moves_to_the_dead_letter_queue(sqs: Any, sqs_endpoint: str) -> None:
    url, dlq = await dead_letter_pair(sqs, "doomed", max_receives=2)
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["doomed", {"id": 9}]))
    worker = LocalHandler()
    calls: list[int] = []

    @worker.register(event_name="doomed")
    async def always_fails(event: Event) -> None:
        calls.append(1)
        raise RuntimeError("never works")

    sqs_consumer = consumer(url, sqs_endpoint, worker)
    async with sqs_consumer.running():
        await until(lambda: len(calls) >= 2)
        await asyncio.sleep(0.3)
    assert len(calls) == 2
    dead = await drain_queue(sqs, dlq, expect=1)
    assert [json.loads(m["Body"]) for m in dead] == [["doomed", {"id": 9}]]
    assert await queue_size(sqs, url) == 0


async def test_malformed_messages_do_not_stop_the_consumer(
    sqs: Any, sqs_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    url, dlq = await dead_letter_pair(sqs, "mixed", max_receives=1)
    for body in ("not json", '{"not": "a list"}', '["", 1]', json.dumps(["good", {"ok": True}])):
        await sqs.send_message(QueueUrl=url, MessageBody=body)
    worker = LocalHandler()
    got: list[Event] = []
    worker.register(got.append, event_name="good")
    sqs_consumer = consumer(url, sqs_endpoint, worker)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.handled == 1 and sqs_consumer.stats.malformed == 3)
        await until(lambda: sqs_consumer.stats.settled == 1)
        for _ in range(200):  # the next receives move the malformed ones on (maxReceiveCount 1)
            if await queue_size(sqs, url) == 0:
                break
            await asyncio.sleep(0.05)
    assert [tuple(e) for e in got] == [("good", {"ok": True})]
    assert "SQS consumer: malformed message" in caplog.text
    dead = sorted(m["Body"] for m in await drain_queue(sqs, dlq, expect=3))
    assert dead == ['["", 1]', "not json", '{"not": "a list"}']


async def test_payloads_are_validated_on_the_way_in(sqs: Any, sqs_endpoint: str) -> None:
    pydantic = pytest.importorskip("pydantic")

    @registry.register(event_name="user.created")
    class User(pydantic.BaseModel):  # type: ignore[misc,name-defined]
        id: int

    url = await make_queue(sqs, "validated")
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["user.created", {"id": "x"}]))
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["user.created", {"id": "5"}]))
    worker = LocalHandler()
    got: list[Any] = []
    worker.register(lambda e: got.append(e[1]), event_name="user.*")
    sqs_consumer = consumer(url, sqs_endpoint, worker)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.handled == 1 and sqs_consumer.stats.malformed >= 1)
    assert got == [{"id": 5}]


async def test_graceful_stop_finishes_in_flight_messages(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "graceful")
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["slow", 1]))
    worker = LocalHandler()
    started = asyncio.Event()
    finished: list[int] = []

    @worker.register(event_name="slow")
    async def slow(event: Event) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(event[1])

    sqs_consumer = consumer(url, sqs_endpoint, worker, shutdown_timeout=5)
    async with sqs_consumer.running():
        await asyncio.wait_for(started.wait(), 10)
    assert finished == [1]
    assert sqs_consumer.stats.settled == 1
    assert await queue_size(sqs, url) == 0


async def test_stop_deletes_nothing_unfinished(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "unfinished")
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["stuck", 1]))
    worker = LocalHandler()
    started = asyncio.Event()

    @worker.register(event_name="stuck")
    async def stuck(event: Event) -> None:
        started.set()
        await asyncio.sleep(30)

    sqs_consumer = consumer(url, sqs_endpoint, worker, shutdown_timeout=0.2)
    async with sqs_consumer.running():
        await asyncio.wait_for(started.wait(), 10)
    assert sqs_consumer.stats.settled == 0
    again = await drain_queue(sqs, url, expect=1)  # visible at once: returned, not deleted
    assert [json.loads(m["Body"]) for m in again] == [["stuck", 1]]


async def test_concurrency_limit(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "busy")
    for i in range(12):
        await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["work", i]))
    worker = LocalHandler()
    active = peak = 0

    @worker.register(event_name="work")
    async def work(event: Event) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.1)
        active -= 1

    sqs_consumer = consumer(url, sqs_endpoint, worker, concurrency=3)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.handled >= 12)
    assert 2 <= peak <= 3  # never more than the limit, and more than one at a time
    await until(lambda: sqs_consumer.stats.settled == 12)


async def test_consumer_inside_an_app_lifespan(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "lifespan")
    worker = LocalHandler()
    seen: list[Any] = []
    worker.register(lambda e: seen.append(e[1]), event_name="*")
    sqs_consumer = consumer(url, sqs_endpoint, worker)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with sqs_consumer.running():
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(
        EventHandlerASGIMiddleware,
        handlers=[SQSForwardHandler(url, REGION, endpoint_url=sqs_endpoint)],
    )

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        dispatch("pinged", {"n": 1})
        return {"ok": True}

    async with app_lifespan(app):
        await send_request(app, "/ping")
        await until(lambda: seen == [{"n": 1}])
    assert sqs_consumer.stats.handled == 1


async def test_every_handled_message_is_settled_under_load(sqs: Any, sqs_endpoint: str) -> None:
    """Messages handled while a settle call is under way are settled too (none is stranded)."""
    url = await make_queue(sqs, "load")
    for start in range(0, 120, 10):
        await sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(["load", start + i])} for i in range(10)
            ],
        )
    worker = LocalHandler()
    worker.register(lambda event: None, event_name="load")
    sqs_consumer = consumer(url, sqs_endpoint, worker, concurrency=40)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.settled == 120)
    assert sqs_consumer.stats.handled == 120
    assert await queue_size(sqs, url) == 0


async def test_redeliveries_of_a_handled_event_are_not_handled_again(
    sqs: Any, sqs_endpoint: str
) -> None:
    url = await make_queue(sqs, "dupes")
    attributes = {"event_id": {"DataType": "String", "StringValue": "same-event"}}
    for _ in range(2):  # e.g. a forwarder retry after a lost answer: two copies of one event
        await sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(["paid", 1]), MessageAttributes=attributes
        )
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["paid", 2]))
    worker = LocalHandler()
    handled: list[Any] = []
    worker.register(lambda event: handled.append(event[1]), event_name="paid")
    sqs_consumer = consumer(url, sqs_endpoint, worker, concurrency=1)
    async with sqs_consumer.running():
        await until(lambda: sqs_consumer.stats.settled == 3)
    assert sorted(handled) == [1, 2]
    assert sqs_consumer.stats.duplicates == 1
    assert await queue_size(sqs, url) == 0

    without = consumer(url, sqs_endpoint, LocalHandler(), dedupe_window=0)
    assert not without._seen_recently("same-event")
