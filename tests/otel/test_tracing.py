from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from opentelemetry.trace import SpanKind

import events_otel
from events_asgi.testing import send_request
from events_core import Envelope, Event, EventBus, dispatch
from events_core.hooks import hooks
from events_local import LocalHandler
from fastapi_events.middleware import EventHandlerASGIMiddleware

from .conftest import Telemetry

ROOT = Path(__file__).resolve().parents[2]


def app_with(handler: LocalHandler) -> FastAPI:
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[handler])

    @app.post("/orders")
    async def place() -> dict[str, bool]:
        dispatch("order.placed", {"id": 1})
        return {"ok": True}

    return app


async def test_dispatch_and_handling_spans(telemetry: Telemetry) -> None:
    handler = LocalHandler()
    seen: list[Event] = []

    @handler.register(event_name="order.*")
    async def on_order(event: Event) -> None:
        seen.append(event)

    await send_request(app_with(handler), "/orders", method="POST")
    dispatched = telemetry.span("Event order.placed dispatched")
    handling = telemetry.span("handling event order.placed with LocalHandler")
    assert dispatched.kind is SpanKind.PRODUCER
    assert handling.kind is SpanKind.CONSUMER
    assert handling.attributes is not None
    assert dispatched.attributes is not None
    assert handling.attributes["fastapi_events.handler"] == f"{__name__}.{on_order.__qualname__}"
    assert handling.attributes["messaging.operation.type"] == "process"
    assert dispatched.attributes["messaging.destination.name"] == "order.placed"
    assert dispatched.attributes["messaging.message.id"] == seen[0].id  # type: ignore[attr-defined]
    assert handling.parent is not None
    assert handling.parent.span_id == dispatched.context.span_id
    assert handling.context.trace_id == dispatched.context.trace_id
    assert tuple(seen[0]) == ("order.placed", {"id": 1})  # handlers still get (name, payload)


async def test_span_linking_instead_of_parentage(telemetry: Telemetry) -> None:
    events_otel.instrument(use_span_linking=True)
    handler = LocalHandler()
    handler.register(lambda event: None, event_name="*")
    bus = EventBus([handler], discoverable=False)
    async with bus.scope():
        dispatch("linked")
    dispatched = telemetry.span("Event linked dispatched")
    handling = telemetry.span("handling event linked with LocalHandler")
    assert handling.parent is None
    assert [link.context.span_id for link in handling.links] == [dispatched.context.span_id]


async def test_traceparent_in_payload_only_on_request_and_never_in_place(
    telemetry: Telemetry,
) -> None:
    events_otel.instrument(inject_into_payload=True)
    handler = LocalHandler()
    got: list[Any] = []
    handler.register(lambda event: got.append(event[1]), event_name="*")
    bus = EventBus([handler], discoverable=False)
    mine = {"id": 3}
    async with bus.scope():
        dispatch("with-parent", mine)
    assert mine == {"id": 3}
    assert got[0]["id"] == 3
    assert got[0]["traceparent"].startswith("00-")
    events_otel.instrument()
    async with bus.scope():
        dispatch("without", {"id": 4})
    assert got[1] == {"id": 4}


async def test_failures_are_recorded_on_the_span(telemetry: Telemetry) -> None:
    handler = LocalHandler()

    @handler.register(event_name="boom")
    async def explode(event: Event) -> None:
        raise ValueError("kaput")

    bus = EventBus([handler], discoverable=False)
    async with bus.scope():
        dispatch("boom")
    span = telemetry.span("handling event boom with LocalHandler")
    assert not span.status.is_ok
    assert [e.name for e in span.events] == ["exception"]


async def test_metrics_after_a_known_sequence(telemetry: Telemetry) -> None:
    before = {
        name: telemetry.counter(f"fastapi_events.events.{name}", event__name="metered")
        for name in ("dispatched", "handled", "failed")
    }
    handler = LocalHandler()

    @handler.register(event_name="metered")
    async def sometimes(event: Event) -> None:
        if event[1] == 2:
            raise RuntimeError("the second one fails")

    bus = EventBus([handler], discoverable=False)
    async with bus.scope():
        for n in (1, 2, 3):
            dispatch("metered", n)
    after = {
        name: telemetry.counter(f"fastapi_events.events.{name}", event__name="metered")
        for name in ("dispatched", "handled", "failed")
    }
    assert {k: after[k] - before[k] for k in after} == {"dispatched": 3, "handled": 2, "failed": 1}
    durations = [
        p for p in telemetry.metric_points("fastapi_events.handling.duration")
        if p.attributes.get("event.name") == "metered"
    ]  # fmt: skip
    assert sum(p.count for p in durations) >= 3
    assert telemetry.metric_points("fastapi_events.events.pending")


def run_isolated(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_no_sdk_means_no_hooks_and_plain_tuples() -> None:
    out = run_isolated(
        "import asyncio\n"
        "import fastapi_events, events_otel\n"
        "from events_core import EventBus, dispatch, EchoHandler\n"
        "from events_core.hooks import hooks\n"
        "async def main():\n"
        "    bus = EventBus([EchoHandler()])\n"
        "    async with bus.scope() as events:\n"
        "        dispatch('plain', 1)\n"
        "        print(type(events[0]).__name__, hooks.on_dispatch, events_otel.is_active())\n"
        "asyncio.run(main())\n"
    )
    assert out.splitlines()[0] == "tuple None False"


def test_an_sdk_configured_after_import_is_honoured() -> None:
    out = run_isolated(
        "import asyncio\n"
        "import fastapi_events\n"
        "from events_core import EventBus, NullHandler, dispatch\n"
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "exporter = InMemorySpanExporter()\n"
        "provider = TracerProvider(); provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "trace.set_tracer_provider(provider)\n"
        "async def main():\n"
        "    bus = EventBus([NullHandler()])\n"
        "    async with bus.scope():\n"
        "        dispatch('late')\n"
        "    print([s.name for s in exporter.get_finished_spans()])\n"
        "asyncio.run(main())\n"
    )
    assert out == "['Event late dispatched']"


def test_uninstrument_removes_every_hook(telemetry: Telemetry) -> None:
    assert events_otel.is_active()
    assert hooks.on_dispatch is not None
    events_otel.uninstrument()
    hooks_left = (hooks.on_dispatch, hooks.on_handover, hooks.handling, hooks.sending)
    assert hooks_left == (None,) * 4
    assert hooks.on_scope is None
    assert isinstance(Envelope("x"), tuple)


@pytest.mark.parametrize("value", ["1", "true"])
def test_span_linking_env_var(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_events.constants import FASTAPI_EVENTS_USE_SPAN_LINKING_ENV_VAR

    monkeypatch.setenv(FASTAPI_EVENTS_USE_SPAN_LINKING_ENV_VAR, value)
    events_otel.instrument()
    assert events_otel._tracing is not None
    assert events_otel._tracing.use_span_linking
    events_otel.uninstrument()
