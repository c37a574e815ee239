from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import pytest

from events_core import ConfigurationError, Envelope, EventBus, HandlerFailure, dispatch
from events_core.retry import Backoff
from events_sqs import SQSDeliveryError, SQSForwardHandler

from .conftest import REGION, drain_queue, make_queue

FAST = Backoff(initial=0.01, maximum=0.05, attempts=3)


class Topic(Enum):
    CREATED = "user.created"


def forwarder(url: str, endpoint: str, **options: Any) -> SQSForwardHandler:
    return SQSForwardHandler(url, REGION, endpoint_url=endpoint, backoff=FAST, **options)


async def forward(
    handler: SQSForwardHandler, events: list[tuple[Any, Any]]
) -> list[HandlerFailure]:
    failures: list[HandlerFailure] = []
    bus = EventBus([handler], on_error=failures.append, discoverable=False)
    async with bus.scope():
        for name, payload in events:
            dispatch(name, payload)
    return failures


async def test_batches_of_ten_and_the_original_body(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "events")
    handler = forwarder(url, sqs_endpoint)
    calls: list[int] = []
    client = await handler._sqs.get()
    original = client.send_message_batch

    async def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        return await original(**kwargs)

    client.send_message_batch = counting
    when = datetime(2024, 5, 6, 7, 8, 9)
    user = uuid.UUID("9e79cdbb-b216-40f7-9a05-20d223dee89a")
    events: list[tuple[Any, Any]] = [("order.placed", {"n": i}) for i in range(24)]
    events.append((Topic.CREATED, {"at": when, "user": user}))
    failures = await forward(handler, events)
    assert failures == []
    assert sorted(calls) == [5, 10, 10]
    messages = await drain_queue(sqs, url, expect=25)
    bodies = [json.loads(m["Body"]) for m in messages]
    assert json.dumps(["order.placed", {"n": 0}]) in [m["Body"] for m in messages]
    assert sorted(b[1]["n"] for b in bodies if b[0] == "order.placed") == list(range(24))
    assert ["user.created", {"at": "2024-05-06 07:08:09", "user": str(user)}] in bodies
    attributes = messages[0]["MessageAttributes"]
    assert attributes["event_name"]["StringValue"] in {"order.placed", "user.created"}
    assert len(attributes["event_id"]["StringValue"]) == 32
    assert len({m["MessageAttributes"]["event_id"]["StringValue"] for m in messages}) == 25
    await handler.aclose()


async def test_client_is_reused_and_closed(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "reuse")
    handler = forwarder(url, sqs_endpoint)
    await forward(handler, [("a", 1)])
    first = await handler._sqs.get()
    await forward(handler, [("b", 2)])
    assert await handler._sqs.get() is first
    await handler.aclose()
    assert handler._sqs._client is None


async def test_queue_name_is_resolved_once(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "by-name")
    handler = forwarder("by-name", sqs_endpoint)
    assert await forward(handler, [("named", None)]) == []
    assert [json.loads(m["Body"]) for m in await drain_queue(sqs, url, expect=1)] == [
        ["named", None]
    ]
    await handler.aclose()


async def test_oversized_event_is_reported_and_the_rest_delivered(
    sqs: Any, sqs_endpoint: str
) -> None:
    url = await make_queue(sqs, "small", MaximumMessageSize="1024")
    handler = forwarder(url, sqs_endpoint)
    failures = await forward(
        handler, [("ok-1", {"x": 1}), ("huge", {"blob": "x" * 5000}), ("ok-2", {"x": 2})]
    )
    assert [f.event_names for f in failures] == [("huge",)]
    error = failures[0].exception
    assert isinstance(error, SQSDeliveryError)
    assert error.permanent
    assert "exceeds the queue's 1024" in str(error)
    names = sorted(json.loads(m["Body"])[0] for m in await drain_queue(sqs, url, expect=2))
    assert names == ["ok-1", "ok-2"]
    await handler.aclose()


async def test_partial_batch_failure(sqs: Any, sqs_endpoint: str) -> None:
    """SQS answers some entries as Failed: permanent ones are reported, transient ones retried.

    moto never fails single entries of a batch, so the answer is doctored once (a mock for a
    failure the real server cannot produce); the retry goes to the real server.
    """
    url = await make_queue(sqs, "partial")
    handler = forwarder(url, sqs_endpoint)
    client = await handler._sqs.get()
    original = client.send_message_batch
    attempts: list[list[str]] = []

    async def flaky(**kwargs: Any) -> Any:
        entries = kwargs["Entries"]
        attempts.append([json.loads(e["MessageBody"])[0] for e in entries])
        if len(attempts) > 1:
            return await original(**kwargs)
        by_name = {json.loads(e["MessageBody"])[0]: e["Id"] for e in entries}
        sent = await original(
            QueueUrl=kwargs["QueueUrl"],
            Entries=[e for e in entries if json.loads(e["MessageBody"])[0] == "fine"],
        )
        return {
            "Successful": sent["Successful"],
            "Failed": [
                {"Id": by_name["rejected"], "SenderFault": True, "Code": "InvalidMessageContents"},
                {"Id": by_name["throttled"], "SenderFault": False, "Code": "ServiceUnavailable"},
            ],
        }

    client.send_message_batch = flaky
    failures = await forward(handler, [("fine", 1), ("rejected", 2), ("throttled", 3)])
    assert [f.event_names for f in failures] == [("rejected",)]
    assert "InvalidMessageContents" in str(failures[0].exception)
    assert attempts == [["fine", "rejected", "throttled"], ["throttled"]]
    names = sorted(json.loads(m["Body"])[0] for m in await drain_queue(sqs, url, expect=2))
    assert names == ["fine", "throttled"]
    await handler.aclose()


async def test_connection_failure_is_retried_then_reported(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "down")
    unreachable = "http://127.0.0.1:9"  # nothing listens on the discard port
    handler = SQSForwardHandler(url, REGION, endpoint_url=unreachable, backoff=FAST)
    handler._sqs._resolved_url = url
    handler._sqs._attributes["MaximumMessageSize"] = "262144"
    failures = await forward(handler, [("lost-1", 1), ("lost-2", 2)])
    assert sorted(f.event_names[0] for f in failures) == ["lost-1", "lost-2"]
    assert all(not f.exception.permanent for f in failures)  # type: ignore[attr-defined]
    await handler.aclose()


async def test_fifo_groups_and_deduplication_ids(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "ordered.fifo", FifoQueue="true")
    handler = forwarder(url, sqs_endpoint, message_group_id=lambda e: str(e[1]["user"]))
    events = [("step", {"user": u, "n": n}) for n in range(6) for u in ("a", "b")]
    envelope = Envelope("step", {"user": "c", "n": 0}, id="fixed-id")
    failures = await forward(handler, events)
    bus = EventBus([handler], discoverable=False)
    await bus.handle([envelope, envelope])  # the same event id twice: SQS keeps one
    assert failures == []
    messages = await drain_queue(sqs, url, expect=13)
    by_group: dict[str, list[int]] = {}
    for message in messages:
        body = json.loads(message["Body"])
        by_group.setdefault(message["Attributes"]["MessageGroupId"], []).append(body[1]["n"])
    assert by_group == {"a": list(range(6)), "b": list(range(6)), "c": [0]}
    await handler.aclose()


def test_configuration_mistakes() -> None:
    with pytest.raises(ConfigurationError, match="between 1 and 10"):
        SQSForwardHandler("q", "eu-central-1", max_batch_size=11)
    with pytest.raises(ConfigurationError, match="serializer must be callable"):
        SQSForwardHandler("q", "eu-central-1", serializer="json")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="queue URL"):
        SQSForwardHandler("", "eu-central-1")


async def test_id_generator_takes_the_event_as_in_the_original(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "ids")
    handler = forwarder(url, sqs_endpoint, id_generator=lambda event: f"id-{event[1]}")
    await forward(handler, [("a", 1), ("b", 2)])
    ids = sorted(
        m["MessageAttributes"]["event_id"]["StringValue"]
        for m in await drain_queue(sqs, url, expect=2)
    )
    assert ids == ["id-1", "id-2"]
    await handler.aclose()


async def test_concurrent_requests_share_full_batches(sqs: Any, sqs_endpoint: str) -> None:
    url = await make_queue(sqs, "shared")
    handler = forwarder(url, sqs_endpoint, max_in_flight=1)
    await handler.astart()  # as lifespan startup does: client, queue URL, size limit
    client = await handler._sqs.get()
    original = client.send_message_batch
    sizes: list[int] = []

    async def counting(**kwargs: Any) -> Any:
        sizes.append(len(kwargs["Entries"]))
        return await original(**kwargs)

    client.send_message_batch = counting
    bus = EventBus([handler], discoverable=False)
    requests = [[(f"r{r}", i) for i in range(4)] for r in range(3)]
    await asyncio.gather(*(bus.handle(events) for events in requests))
    assert sizes == [10, 2]
    assert len(await drain_queue(sqs, url, expect=12)) == 12
    await handler.aclose()


async def test_outbox_across_a_restart(sqs: Any, sqs_endpoint: str, tmp_path: Any) -> None:
    """SQS unreachable: the events wait in the outbox; a forwarder started later on the same
    file delivers them, with their event ids (consumers can de-duplicate)."""
    url = await make_queue(sqs, "outboxed")
    outbox = tmp_path / "outbox.sqlite"
    down = SQSForwardHandler(
        url, REGION, endpoint_url="http://127.0.0.1:9", backoff=FAST, outbox=outbox
    )
    down._sqs._resolved_url = url
    down._sqs._attributes["MaximumMessageSize"] = "262144"
    failures = await forward(down, [("kept", 1), ("kept", 2)])
    await down.aclose()
    assert failures == []
    up = SQSForwardHandler(url, REGION, endpoint_url=sqs_endpoint, outbox=outbox)
    await up.astart()  # re-sends what the first one left
    assert up._resender is not None
    await asyncio.wait_for(up._resender, 10)
    messages = await drain_queue(sqs, url, expect=2)
    assert sorted(json.loads(m["Body"])[1] for m in messages) == [1, 2]
    ids = {m["MessageAttributes"]["event_id"]["StringValue"] for m in messages}
    assert len(ids) == 2
    await up.aclose()


def test_transient_or_permanent() -> None:
    from botocore.exceptions import EndpointConnectionError, ParamValidationError

    from events_sqs.client import is_transient

    assert is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert not is_transient(ParamValidationError(report="bad"))
    throttled = type("ClientError", (Exception,), {})()
    throttled.response = {"Error": {"Code": "ThrottlingException"}}  # type: ignore[attr-defined]
    assert is_transient(throttled)
    refused = type("ClientError", (Exception,), {})()
    refused.response = {
        "Error": {"Code": "InvalidParameterValue"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }  # type: ignore[attr-defined]
    assert not is_transient(refused)
