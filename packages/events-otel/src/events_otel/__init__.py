"""events-otel: OpenTelemetry tracing, propagation and metrics for fastapi-events.

``instrument()`` plugs into the hook points of events-core. It depends on ``opentelemetry-api``
only; spans and metrics are produced once an SDK is configured (before or after ``instrument()``),
and cost nothing until then beyond a check per request (two function calls).

Spans (names as in the original fastapi-events):

- ``Event {name} dispatched`` (producer), when ``dispatch()`` runs;
- ``handling event {name} with {HandlerClass}`` (consumer), attribute ``fastapi_events.handler``;
- ``send {queue}`` (producer), around each send of a forwarder.

Their W3C trace context travels with the event, in the message attributes of SQS, so a consumer
continues the producer's trace.
"""

from __future__ import annotations

import os
import threading
from importlib.metadata import PackageNotFoundError, version

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace

from events_core.hooks import add_dispatch_hook, hooks, remove_dispatch_hook
from events_core.settings import _TRUTHY

from .providers import current_providers
from .tracing import HANDLER_ATTRIBUTE, Tracing

try:
    __version__ = version("events-otel")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = [
    "HANDLER_ATTRIBUTE",
    "SPAN_LINKING_ENV_VAR",
    "__version__",
    "instrument",
    "is_active",
    "sdk_configured",
    "uninstrument",
]

#: As in the original: truthy makes handling spans link to the dispatch span, not be its child.
SPAN_LINKING_ENV_VAR = "FASTAPI_EVENTS_USE_SPAN_LINKING"
_PROXIES = {"ProxyTracerProvider", "NoOpTracerProvider", "_ProxyMeterProvider", "NoOpMeterProvider"}
_lock = threading.Lock()
_tracing: Tracing | None = None
_active = False
_UNSEEN = object()
_seen: tuple[object, object] = (_UNSEEN, _UNSEEN)


def sdk_configured() -> bool:
    """Whether a real tracer or meter provider (an SDK) is set globally."""
    tracer_provider = type(trace.get_tracer_provider()).__name__
    meter_provider = type(otel_metrics.get_meter_provider()).__name__
    return tracer_provider not in _PROXIES or meter_provider not in _PROXIES


def _refresh() -> None:
    """Switch the dispatch and handling hooks on or off as an SDK is (un)configured.

    Runs at the start of each request or scope; while the global providers are the ones seen
    last time, it costs two function calls and two identity checks.
    """
    global _active, _seen
    providers = current_providers()
    if providers[0] is _seen[0] and providers[1] is _seen[1]:
        return
    _seen = providers
    tracing = _tracing
    if tracing is None:
        return
    wanted = sdk_configured()
    if wanted and not _active:
        add_dispatch_hook(tracing.on_dispatch)
        hooks.on_handover = tracing.on_handover
        hooks.handling, hooks.sending = tracing.handling, tracing.sending
    elif not wanted and _active:
        remove_dispatch_hook(tracing.on_dispatch)
        hooks.on_handover = hooks.handling = hooks.sending = None
    _active = wanted


def instrument(*, use_span_linking: bool | None = None, inject_into_payload: bool = False) -> None:
    """Trace and measure dispatching and handling (idempotent).

    Args:
        use_span_linking: link handling spans to the dispatch span instead of making them its
            children (default: ``FASTAPI_EVENTS_USE_SPAN_LINKING``).
        inject_into_payload: also put ``traceparent`` into dict payloads, as the original did
            (into a copy: the caller's dict is never changed).
    """
    global _tracing, _seen
    if use_span_linking is None:
        use_span_linking = os.environ.get(SPAN_LINKING_ENV_VAR, "").strip().lower() in _TRUTHY
    with _lock:
        uninstrument()
        _tracing = Tracing(
            use_span_linking=use_span_linking, inject_into_payload=inject_into_payload
        )
        hooks.on_scope = _refresh
        _seen = (_UNSEEN, _UNSEEN)
        _refresh()


def uninstrument() -> None:
    """Remove every hook of events-otel."""
    global _tracing, _active
    if _tracing is not None:
        remove_dispatch_hook(_tracing.on_dispatch)
    _tracing = None
    _active = False
    if hooks.on_scope is _refresh:
        hooks.on_scope = None
    hooks.on_handover = hooks.handling = hooks.sending = None


def is_active() -> bool:
    """Whether spans and metrics are being produced now."""
    return _active
