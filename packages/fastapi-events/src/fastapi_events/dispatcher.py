"""``from fastapi_events.dispatcher import dispatch``."""

from events_core.dispatcher import dispatch
from events_core.scope import event_store

__all__ = ["dispatch", "event_store"]
