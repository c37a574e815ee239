"""events-pubsub: publish events to Google Cloud Pub/Sub, and consume them in workers.

``GoogleCloudSimplePubSubHandler`` publishes events (gcloud-aio-pubsub, batches, retries);
``PubSubSubscriber`` pulls a subscription and hands each event to local handlers. Run a
subscriber with ``python -m events_pubsub --project P --subscription S --handlers mod:attr``.
Both honour ``PUBSUB_EMULATOR_HOST``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .forwarder import GoogleCloudSimplePubSubHandler, PubSubDeliveryError
from .subscriber import PubSubSubscriber

try:
    __version__ = version("events-pubsub")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = [
    "GoogleCloudSimplePubSubHandler",
    "PubSubDeliveryError",
    "PubSubSubscriber",
    "__version__",
]
