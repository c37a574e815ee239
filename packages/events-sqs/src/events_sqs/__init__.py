"""events-sqs: forward events to AWS SQS, and consume them in workers.

``SQSForwardHandler`` sends events (asynchronously, in batches, with retries); ``SQSConsumer``
reads a queue and hands each event to local handlers. Run a consumer from the command line with
``python -m events_sqs --queue-url URL --handlers myapp.events:local_handler``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .consumer import ConsumerStats, SQSConsumer
from .forwarder import SQSDeliveryError, SQSForwardHandler

try:
    __version__ = version("events-sqs")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["ConsumerStats", "SQSConsumer", "SQSDeliveryError", "SQSForwardHandler", "__version__"]
