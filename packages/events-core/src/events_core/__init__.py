"""events-core: dispatcher, event store, payload schemas, base handler and event bus.

Standard library only; pydantic is used when installed, for payload schemas.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .bus import BusStats, DrainReport, EventBus
from .dispatcher import dispatch
from .errors import (
    ConfigurationError,
    EventBusFull,
    EventScopeNotFound,
    EventsError,
    InvalidEventName,
    MissingEventNameDuringDispatch,
    MissingEventNameDuringRegistration,
    MultiplePayloadsDetectedDuringDispatch,
)
from .failures import ErrorHook, HandlerFailure, report_failure
from .handler import BaseEventHandler, EchoHandler, NullHandler
from .policy import FailurePolicy
from .registry import PayloadSchemaRegistry, registry
from .scope import EventCollector, current_collector, event_store
from .settings import DISABLE_DISPATCH_ENV_VAR, reload_settings, set_dispatch_disabled
from .types import Envelope, Event, EventName, envelope_of, name_of

try:
    __version__ = version("events-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DISABLE_DISPATCH_ENV_VAR",
    "BaseEventHandler",
    "BusStats",
    "ConfigurationError",
    "DrainReport",
    "EchoHandler",
    "Envelope",
    "ErrorHook",
    "Event",
    "EventBus",
    "EventCollector",
    "EventName",
    "EventBusFull",
    "EventScopeNotFound",
    "EventsError",
    "FailurePolicy",
    "HandlerFailure",
    "InvalidEventName",
    "MissingEventNameDuringDispatch",
    "MissingEventNameDuringRegistration",
    "MultiplePayloadsDetectedDuringDispatch",
    "NullHandler",
    "PayloadSchemaRegistry",
    "__version__",
    "current_collector",
    "dispatch",
    "envelope_of",
    "event_store",
    "name_of",
    "registry",
    "reload_settings",
    "report_failure",
    "set_dispatch_disabled",
]
