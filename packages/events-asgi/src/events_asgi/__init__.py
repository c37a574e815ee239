"""events-asgi: the ASGI middleware of fastapi-events."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .middleware import EventHandlerASGIMiddleware

try:
    __version__ = version("events-asgi")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["EventHandlerASGIMiddleware", "__version__"]
