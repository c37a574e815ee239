"""Metrics: events dispatched, handled and failed, handling duration, events pending."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from events_core.lookup import live_buses

from .providers import current_providers

__all__ = ["dispatched", "handled", "observe_pending"]


class _Instruments:
    """Instruments of the current meter provider, re-created when the provider changes."""

    def __init__(self) -> None:
        self.provider: object = object()  # not any provider, not even None (none set yet)

    def get(self) -> _Instruments:
        provider = current_providers()[1]
        if provider is not self.provider:
            meter = metrics.get_meter("fastapi_events")
            self.dispatched = meter.create_counter(
                "fastapi_events.events.dispatched", unit="{event}", description="Events dispatched"
            )
            self.handled = meter.create_counter(
                "fastapi_events.events.handled", unit="{event}", description="Events handled"
            )
            self.failed = meter.create_counter(
                "fastapi_events.events.failed", unit="{event}", description="Handlings that failed"
            )
            self.duration = meter.create_histogram(
                "fastapi_events.handling.duration", unit="s", description="Time to handle an event"
            )
            meter.create_observable_gauge(
                "fastapi_events.events.pending",
                callbacks=[observe_pending],
                unit="{event}",
                description="Events dispatched outside a request, not handled yet",
            )
            self.provider = provider
        return self


_instruments = _Instruments()


def dispatched(name: str) -> None:
    _instruments.get().dispatched.add(1, {"event.name": name})


def handled(name: str, handler: str, seconds: float, *, failed: bool) -> None:
    found = _instruments.get()
    attributes = {"event.name": name, "fastapi_events.handler": handler}
    (found.failed if failed else found.handled).add(1, attributes)
    found.duration.record(seconds, attributes)


def observe_pending(options: CallbackOptions) -> Iterable[Observation]:
    """Pending events of every bus (middleware) alive in this process."""
    yield Observation(sum(bus.pending for bus in live_buses()))
