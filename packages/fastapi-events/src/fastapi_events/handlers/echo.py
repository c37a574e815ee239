"""``from fastapi_events.handlers.echo import EchoHandler``."""

from events_core.handler import EchoHandler

__all__ = ["EchoHandler"]
