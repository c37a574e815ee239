"""events-sqs: AWS SQS forwarder and consumer for fastapi-events.

Not implemented in this release: the names exist so that imports resolve and fail with a clear
message where they are used.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from events_core import BaseEventHandler, ConfigurationError, Event

try:
    __version__ = version("events-sqs")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["SQSForwardHandler", "__version__"]


class SQSForwardHandler(BaseEventHandler):
    """Forwards events to an AWS SQS queue (not available in this release yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ConfigurationError(
            "SQSForwardHandler is not implemented in events-sqs "
            f"{__version__} yet; follow the project's releases for it."
        )

    async def handle(self, event: Event) -> None:  # pragma: no cover - cannot be built
        raise NotImplementedError
