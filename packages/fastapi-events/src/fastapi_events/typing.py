"""``from fastapi_events.typing import Event``."""

from events_core.types import Envelope, Event, Payload

__all__ = ["Envelope", "Event", "Payload"]
