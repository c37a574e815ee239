"""``from fastapi_events.handlers.gcp import GoogleCloudSimplePubSubHandler`` (``[google]``)."""

from typing import Any

from .._extras import require

GoogleCloudSimplePubSubHandler: Any = require(
    "events_pubsub", "google", "GoogleCloudSimplePubSubHandler"
).GoogleCloudSimplePubSubHandler

__all__ = ["GoogleCloudSimplePubSubHandler"]
