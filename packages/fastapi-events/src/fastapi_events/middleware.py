"""``from fastapi_events.middleware import EventHandlerASGIMiddleware``."""

from events_asgi import EventHandlerASGIMiddleware

__all__ = ["EventHandlerASGIMiddleware"]
