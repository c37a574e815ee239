"""The OpenTelemetry SDK with in-memory exporters (the global providers are set once a process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

import events_otel

EXPORTER = InMemorySpanExporter()
READER = InMemoryMetricReader()
_configured = False


def configure_sdk() -> None:
    global _configured
    if not _configured:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))
        _configured = True


class Telemetry:
    def spans(self) -> list[ReadableSpan]:
        return list(EXPORTER.get_finished_spans())

    def span(self, name: str) -> ReadableSpan:
        found = [s for s in self.spans() if s.name == name]
        assert len(found) == 1, [s.name for s in self.spans()]
        return found[0]

    def metric_points(self, name: str) -> list[Any]:
        data = READER.get_metrics_data()
        points: list[Any] = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        points.extend(metric.data.data_points)
        return points

    def counter(self, name: str, **attributes: str) -> int:
        return sum(
            int(p.value)
            for p in self.metric_points(name)
            if all(p.attributes.get(k.replace("__", ".")) == v for k, v in attributes.items())
        )


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    configure_sdk()
    events_otel.instrument()
    EXPORTER.clear()
    yield Telemetry()
    events_otel.uninstrument()
    EXPORTER.clear()
