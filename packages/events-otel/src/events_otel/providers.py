"""Cheap access to the global tracer and meter providers (checked once per request)."""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace

__all__ = ["current_providers"]

try:  # the globals themselves: the public getters read os.environ on every call
    import opentelemetry.metrics._internal as _metrics_internal
    import opentelemetry.trace as _trace_module

    _trace_module._TRACER_PROVIDER  # noqa: B018 - present in every API release since 1.0
    _metrics_internal._METER_PROVIDER  # noqa: B018

    def current_providers() -> tuple[Any, Any]:
        """The globally set tracer and meter providers (``None`` while not set)."""
        return _trace_module._TRACER_PROVIDER, _metrics_internal._METER_PROVIDER

except (ImportError, AttributeError):  # pragma: no cover - a future API without them

    def current_providers() -> tuple[Any, Any]:
        return trace.get_tracer_provider(), metrics.get_meter_provider()
