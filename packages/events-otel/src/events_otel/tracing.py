"""Spans for dispatching, handling and sending events, and W3C trace context in their headers."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind

from events_core import Envelope, Event, name_of
from events_core.types import envelope_of

from . import metrics

__all__ = ["Tracing"]

SYSTEM = "fastapi_events"
HANDLER_ATTRIBUTE = "fastapi_events.handler"


def _tracer() -> trace.Tracer:
    # Looked up on use, so a tracer provider configured after import is honoured.
    return trace.get_tracer("fastapi_events")


class Tracing:
    """The hook implementations that events-otel installs in ``events_core.hooks``."""

    def __init__(self, *, use_span_linking: bool, inject_into_payload: bool) -> None:
        self.use_span_linking = use_span_linking
        self.inject_into_payload = inject_into_payload

    def on_dispatch(self, event: Event) -> Event:
        """Span ``Event {name} dispatched``; its context travels in the event's headers."""
        name = name_of(event)
        envelope = envelope_of(event)
        with _tracer().start_as_current_span(
            f"Event {name} dispatched",
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": SYSTEM,
                "messaging.operation.type": "create",
                "messaging.operation.name": "dispatch",
                "messaging.destination.name": name,
                "messaging.message.id": envelope.id,
            },
        ):
            propagate.inject(envelope.headers)
        metrics.dispatched(name)
        payload = envelope[1]
        if (
            self.inject_into_payload
            and isinstance(payload, dict)
            and "traceparent" in envelope.headers
        ):
            # the original's behaviour, on request: a copy, never the caller's dict
            payload = {**payload, "traceparent": envelope.headers["traceparent"]}
            return Envelope(
                envelope[0],
                payload,
                id=envelope.id,
                timestamp=envelope.timestamp,
                headers=envelope.headers,
            )
        return envelope

    @contextmanager
    def handling(self, handler_class: str, handler_path: str, event: Event) -> Iterator[None]:
        """Span ``handling event {name} with {handler_class}``, child of (or linked to) the
        dispatch span whose context the event carries; records the handling metrics."""
        name = name_of(event)
        headers = event.headers if isinstance(event, Envelope) else {}
        parent = propagate.extract(headers) if headers else None
        links: Sequence[Link] = ()
        if parent is not None and self.use_span_linking:
            remote = trace.get_current_span(parent).get_span_context()
            links = [Link(remote)] if remote.is_valid else ()
            parent = None
        attributes: dict[str, Any] = {
            HANDLER_ATTRIBUTE: handler_path,
            "messaging.system": SYSTEM,
            "messaging.operation.type": "process",
            "messaging.operation.name": "handle",
            "messaging.destination.name": name,
        }
        if isinstance(event, Envelope):
            attributes["messaging.message.id"] = event.id
        start = time.perf_counter()
        failed = False
        with _tracer().start_as_current_span(
            f"handling event {name} with {handler_class}",
            context=parent,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes=attributes,
            record_exception=True,
            set_status_on_exception=True,
        ):
            try:
                yield
            except BaseException:
                failed = True
                raise
            finally:
                metrics.handled(name, handler_path, time.perf_counter() - start, failed=failed)

    @contextmanager
    def sending(self, system: str, destination: str, events: Sequence[Event]) -> Iterator[None]:
        """Span ``send {destination}`` around one send of a forwarder: a child of the first
        event's dispatch span, linked to the dispatch spans of all the events it carries."""
        contexts = [
            propagate.extract(e.headers) for e in events if isinstance(e, Envelope) and e.headers
        ]
        links = []
        for found in contexts:
            remote = trace.get_current_span(found).get_span_context()
            if remote.is_valid:
                links.append(Link(remote))
        with _tracer().start_as_current_span(
            f"send {destination}",
            context=contexts[0] if contexts else None,
            kind=SpanKind.PRODUCER,
            links=links,
            attributes={
                "messaging.system": system,
                "messaging.operation.type": "send",
                "messaging.operation.name": "send",
                "messaging.destination.name": destination,
                "messaging.batch.message_count": len(events),
            },
            record_exception=True,
            set_status_on_exception=True,
        ):
            yield


def current_context() -> otel_context.Context:
    """The active OpenTelemetry context (for tests and integrations)."""
    return otel_context.get_current()
