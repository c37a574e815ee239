"""events-otel: OpenTelemetry tracing, propagation and metrics for fastapi-events.

This release only reserves the package; instrumentation plugs into ``events_core.hooks``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("events-otel")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["__version__"]
