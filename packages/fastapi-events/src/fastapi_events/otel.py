"""``fastapi_events.otel``: OpenTelemetry support, provided by events-otel (extra ``[otel]``).

Importing ``fastapi_events`` with events-otel installed already calls ``instrument()``; call it
again to change its options.
"""

from ._extras import require

_otel = require("events_otel", "otel", "fastapi_events.otel")

instrument = _otel.instrument
uninstrument = _otel.uninstrument
is_active = _otel.is_active
sdk_configured = _otel.sdk_configured
SPAN_LINKING_ENV_VAR: str = _otel.SPAN_LINKING_ENV_VAR
__version__: str = _otel.__version__

__all__ = [
    "SPAN_LINKING_ENV_VAR",
    "__version__",
    "instrument",
    "is_active",
    "sdk_configured",
    "uninstrument",
]
