"""``from fastapi_events.handlers.null import NullHandler``."""

from events_core.handler import NullHandler

__all__ = ["NullHandler"]
