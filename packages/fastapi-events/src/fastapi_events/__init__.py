"""fastapi-events: asynchronous event dispatching and handling for ASGI apps and asyncio.

The ``fastapi_events.*`` modules re-export the packages that implement them (``events_core``,
``events_asgi``, ``events_local``, ...), at the import paths of the original fastapi-events.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fastapi-events")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["__version__"]

try:  # as the original: with the [otel] extra installed, tracing is on (once an SDK is set up)
    import events_otel as _events_otel
except ImportError:
    pass
else:
    _events_otel.instrument()
