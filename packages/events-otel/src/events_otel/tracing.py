"""Spans for dispatching, handling and sending events, and W3C trace context in their headers.

``dispatch()`` stays cheap: it only notes the current context and the time. The span
``Event {name} dispatched`` is made from those when the bus hands the events over, after the
response, and its context is put into the event's headers (``traceparent``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from events_core import Envelope, Event, name_of

from . import metrics

__all__ = ["HANDLER_ATTRIBUTE", "Tracing"]

SYSTEM = "fastapi_events"
HANDLER_ATTRIBUTE = "fastapi_events.handler"
_W3C = TraceContextTextMapPropagator()
_PENDING = "_otel_dispatch"


def _tracer() -> trace.Tracer:
    # Looked up on use, so a tracer provider configured after import is honoured.
    return trace.get_tracer("fastapi_events")


def _context_of(event: Event) -> otel_context.Context | None:
    headers = event.headers if isinstance(event, Envelope) else None
    return _W3C.extract(headers) if headers and "traceparent" in headers else None


class Tracing:
    """The hook implementations that events-otel installs in ``events_core.hooks``."""

    def __init__(self, *, use_span_linking: bool, inject_into_payload: bool) -> None:
        self.use_span_linking = use_span_linking
        self.inject_into_payload = inject_into_payload

    def on_dispatch(self, event: Event) -> Event:
        """Note the dispatching context and time; the span is made at hand-over."""
        envelope = event if isinstance(event, Envelope) else Envelope(event[0], event[1])
        setattr(envelope, _PENDING, (otel_context.get_current(), time.time_ns()))
        return envelope

    def on_handover(self, events: Sequence[Event]) -> Sequence[Event]:
        """Make the pending ``Event {name} dispatched`` spans; put their context in headers."""
        if not any(hasattr(e, _PENDING) for e in events):
            return events
        tracer = _tracer()
        result: list[Event] = []
        for event in events:
            pending = getattr(event, _PENDING, None)
            if pending is None:
                result.append(event)
                continue
            assert isinstance(event, Envelope)
            delattr(event, _PENDING)
            parent, started = pending
            name = name_of(event)
            span = tracer.start_span(
                f"Event {name} dispatched",
                context=parent,
                kind=SpanKind.PRODUCER,
                start_time=started,
                attributes={
                    "messaging.system": SYSTEM,
                    "messaging.operation.type": "create",
                    "messaging.destination.name": name,
                    "messaging.message.id": event.id,
                },
            )
            span.end(end_time=started)
            _W3C.inject(event.headers, context=trace.set_span_in_context(span))
            metrics.dispatched(name)
            result.append(self._with_payload_traceparent(event))
        return result

    def _with_payload_traceparent(self, event: Envelope) -> Envelope:
        payload = event[1]
        if not (self.inject_into_payload and isinstance(payload, dict)):
            return event
        # the original's behaviour, on request: into a copy, never the caller's dict
        payload = {**payload, "traceparent": event.headers.get("traceparent", "")}
        return Envelope(
            event[0], payload, id=event.id, timestamp=event.timestamp, headers=event.headers
        )

    @contextmanager
    def handling(self, handler_class: str, handler_path: str, event: Event) -> Iterator[None]:
        """Span ``handling event {name} with {handler_class}``, child of (or linked to) the
        dispatch span whose context the event carries; records the handling metrics."""
        name = name_of(event)
        parent = _context_of(event)
        links: Sequence[Link] = ()
        if parent is not None and self.use_span_linking:
            remote = trace.get_current_span(parent).get_span_context()
            links = [Link(remote)] if remote.is_valid else ()
            parent = None
        attributes: dict[str, Any] = {
            HANDLER_ATTRIBUTE: handler_path,
            "messaging.system": SYSTEM,
            "messaging.operation.type": "process",
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
        contexts = [found for found in map(_context_of, events) if found is not None]
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
                "messaging.destination.name": destination,
                "messaging.batch.message_count": len(events),
            },
            record_exception=True,
            set_status_on_exception=True,
        ):
            yield
