"""``from fastapi_events.handlers.base import BaseEventHandler``."""

from events_core.handler import BaseEventHandler

__all__ = ["BaseEventHandler"]
