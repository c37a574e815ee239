"""``from fastapi_events.handlers.local import local_handler, LocalHandler``."""

from events_local import Depends, LocalHandler, local_handler

__all__ = ["Depends", "LocalHandler", "local_handler"]
