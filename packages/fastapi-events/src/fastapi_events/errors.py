"""``from fastapi_events.errors import ...``."""

from events_core.errors import (
    ConfigurationError,
    EventScopeNotFound,
    EventsError,
    FastapiEventError,
    InvalidEventName,
    MissingEventNameDuringDispatch,
    MissingEventNameDuringRegistration,
    MultiplePayloadsDetectedDuringDispatch,
)

__all__ = [
    "ConfigurationError",
    "EventScopeNotFound",
    "EventsError",
    "FastapiEventError",
    "InvalidEventName",
    "MissingEventNameDuringDispatch",
    "MissingEventNameDuringRegistration",
    "MultiplePayloadsDetectedDuringDispatch",
]
