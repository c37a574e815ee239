"""Bad input, generated: dispatch, the wire codec and consumers' decoding never crash or hang;
each rejection is one of our errors, with a message."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events_core import EventBus, EventsError, NullHandler, dispatch
from events_core.codec import MalformedMessage, decode_event, encode_event

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
ODD = (
    JSON
    | st.builds(datetime.fromtimestamp, st.integers(0, 2**31))
    | st.binary()
    | st.sets(st.integers())
)
QUICK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(name=st.one_of(st.text(), st.integers(), st.none(), st.binary()), payload=ODD)
def test_dispatch_accepts_or_explains(name: Any, payload: Any) -> None:
    async def run() -> None:
        bus = EventBus([NullHandler()], discoverable=False)
        async with bus.scope() as collected:
            try:
                dispatch(name, payload)
            except EventsError as error:
                assert str(error)  # noqa: PT017 - generated input: either outcome is valid
                assert collected == []
            else:
                assert collected == [(name, payload)]

    asyncio.run(run())


@QUICK
@given(name=st.text(min_size=1), payload=ODD)
def test_encoding_always_gives_json_that_decodes(name: str, payload: Any) -> None:
    body = encode_event((name, payload))
    decoded_name, decoded_payload = decode_event(body)
    assert decoded_name == name
    assert json.loads(json.dumps(decoded_payload)) == decoded_payload


@QUICK
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200), JSON.map(json.dumps)))
def test_decoding_returns_an_event_or_says_why_not(body: Any) -> None:
    try:
        name, _ = decode_event(body)
    except MalformedMessage as error:
        assert str(error)  # noqa: PT017 - generated input: either outcome is valid
    else:
        assert isinstance(name, str)
        assert name


@QUICK
@given(
    body=st.one_of(st.text(max_size=200), JSON.map(json.dumps)),
    attributes=st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=5),
)
def test_a_consumer_decodes_or_rejects_any_message(body: str, attributes: dict[str, str]) -> None:
    pytest.importorskip("aioboto3")
    from events_sqs import SQSConsumer

    consumer = SQSConsumer("queue", region_name="us-east-1")
    message = {
        "MessageId": "m-1",
        "Body": body,
        "MessageAttributes": {
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    }
    try:
        event = consumer.to_event(message)
    except MalformedMessage as error:
        assert str(error)  # noqa: PT017 - generated input: either outcome is valid
    else:
        assert event.name
        assert event.id
