"""``fastapi_events.otel``: OpenTelemetry support, provided by events-otel (extra ``[otel]``)."""

from ._extras import require

_otel = require("events_otel", "otel", "fastapi_events.otel")

__version__: str = _otel.__version__
__all__ = ["__version__"]
