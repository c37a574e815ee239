"""``from fastapi_events.testing import capture_events``: the testing kit of events-core."""

from events_core.testing import (
    CapturedEvents,
    capture_events,
    dispatch_disabled,
    handler_errors_raise,
)

__all__ = ["CapturedEvents", "capture_events", "dispatch_disabled", "handler_errors_raise"]
