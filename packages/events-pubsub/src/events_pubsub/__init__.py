"""events-pubsub: Google Cloud Pub/Sub forwarder and subscriber for fastapi-events.

Not implemented in this release: the names exist so that imports resolve and fail with a clear
message where they are used.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from events_core import BaseEventHandler, ConfigurationError, Event

try:
    __version__ = version("events-pubsub")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["GoogleCloudSimplePubSubHandler", "__version__"]


class GoogleCloudSimplePubSubHandler(BaseEventHandler):
    """Publishes events to a Pub/Sub topic (not available in this release yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ConfigurationError(
            "GoogleCloudSimplePubSubHandler is not implemented in events-pubsub "
            f"{__version__} yet; follow the project's releases for it."
        )

    async def handle(self, event: Event) -> None:  # pragma: no cover - cannot be built
        raise NotImplementedError
