"""Errors raised by fastapi-events. Every message says what went wrong and what to do."""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "EventBusFull",
    "EventScopeNotFound",
    "EventsError",
    "FastapiEventError",
    "InvalidEventName",
    "MissingEventNameDuringDispatch",
    "MissingEventNameDuringRegistration",
    "MultiplePayloadsDetectedDuringDispatch",
]


class EventsError(Exception):
    """Base class of every error raised by fastapi-events."""


#: The original library's name for the base error, kept for ``except`` clauses that use it.
FastapiEventError = EventsError


class ConfigurationError(EventsError, ValueError):
    """A handler, middleware or bus was configured wrongly; raised where it is built."""


class InvalidEventName(EventsError, TypeError):
    """The event name given to ``dispatch()`` or ``register()`` is not a str or an Enum."""


class MissingEventNameDuringDispatch(EventsError, ValueError):
    """``dispatch()`` could not tell which event to dispatch."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "dispatch() needs an event name: pass it first (dispatch('user-created', payload)), "
            "as event_name=..., or dispatch a pydantic model that defines __event_name__."
            + (f" {detail}" if detail else "")
        )


class MultiplePayloadsDetectedDuringDispatch(EventsError, ValueError):
    """``dispatch()`` got a pydantic model as the event and a ``payload`` as well."""

    def __init__(self, event_name: str) -> None:
        super().__init__(
            f"dispatch() of event {event_name!r} got a pydantic model as the event and a "
            "payload=... as well: the model is the payload, so drop payload=... or dispatch "
            "the name with the payload."
        )


class MissingEventNameDuringRegistration(EventsError, ValueError):
    """A payload schema was registered without an event name."""

    def __init__(self, schema: object = None) -> None:
        what = f" for {getattr(schema, '__qualname__', schema)!s}" if schema is not None else ""
        super().__init__(
            f"Event name cannot be determined during schema registration{what}. "
            "Define '__event_name__' in the payload schema or pass event_name=... to "
            "@payload_schema.register()."
        )


class EventBusFull(EventsError):
    """A bus already holds ``max_pending`` events dispatched outside requests."""


class EventScopeNotFound(EventsError, LookupError):
    """``dispatch()`` ran outside a request and could not find where events should go.

    It is a ``LookupError``, as in the original fastapi-events, so existing ``except
    LookupError`` clauses keep working.
    """
