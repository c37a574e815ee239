"""``GoogleCloudSimplePubSubHandler``: publishes events to one Pub/Sub topic, in batches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gcloud.aio.pubsub import PublisherClient, PubsubMessage

from events_core import ConfigurationError, Event, report_failure
from events_core.codec import Serializer, encode_event
from events_core.forwarding import BatchingForwarder, DeliveryError, Outgoing
from events_core.hooks import hooks
from events_core.outbox import SQLiteOutbox
from events_core.retry import Backoff
from events_core.types import Envelope, name_of, new_event_id

from .client import ClientHolder, is_transient

__all__ = ["GoogleCloudSimplePubSubHandler", "PubSubDeliveryError"]

logger = logging.getLogger("events_pubsub")

#: Pub/Sub's limit for one publish request (and so for a message).
MAX_REQUEST_BYTES = 10_000_000
MAX_BATCH = 1000


class PubSubDeliveryError(DeliveryError):
    """An event could not be published; ``permanent`` when retrying cannot help."""

    broker = "Pub/Sub"


def _encoded_size(data: bytes, attributes: Mapping[str, str], ordering_key: str) -> int:
    # data travels base64-encoded in the JSON request
    base64 = 4 * ((len(data) + 2) // 3)
    return base64 + sum(len(k) + len(v) + 8 for k, v in attributes.items()) + len(ordering_key) + 32


def _describe(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    message = getattr(exc, "message", None)
    if status is not None:
        return f"{type(exc).__name__}: HTTP {status} {message or ''}".rstrip()
    return f"{type(exc).__name__}: {exc}"


class GoogleCloudSimplePubSubHandler(BatchingForwarder):
    """Publishes each event as one message whose data is ``["event name", payload]``.

    Args:
        project_id: the Google Cloud project.
        topic_id: the topic (in that project).
        max_batch_size: messages per publish request, 1 to 1000.
        batch_settings_kwargs: as google-cloud-pubsub's ``BatchSettings``: ``max_messages``
            and ``max_bytes`` lower the batch limits (``max_latency`` has no use here).
        serializer: ``event -> str`` for the data (default: the original's JSON array).
        ordering_key: ``event -> str`` for topics whose subscribers need order (then batches
            are published one at a time).
        max_in_flight: publish requests at once.
        backoff: retries of transient failures (default: about 63 s in 12 attempts).
        outbox: a SQLite file (or :class:`~events_core.outbox.SQLiteOutbox`) where events
            that still fail after the retries, or are pending at shutdown, wait to be re-sent.
        **client_kwargs: passed to gcloud-aio's ``PublisherClient`` (``service_file``,
            ``api_root``...). ``PUBSUB_EMULATOR_HOST`` is honoured.

    Each message carries the attributes ``event_name`` and ``event_id`` plus the envelope's
    headers (trace context). A request that fails for good is split to find the event(s) at
    fault; those are reported one by one, the rest are published.
    """

    error_type = PubSubDeliveryError

    def __init__(
        self,
        project_id: str,
        topic_id: str,
        max_batch_size: int = MAX_BATCH,
        batch_settings_kwargs: Mapping[str, Any] | None = None,
        serializer: Serializer | None = None,
        *,
        ordering_key: Callable[[Event], str] | None = None,
        max_in_flight: int = 4,
        backoff: Backoff | None = None,
        outbox: SQLiteOutbox | str | Path | None = None,
        **client_kwargs: Any,
    ) -> None:
        if not project_id or not topic_id:
            raise ConfigurationError(
                f"GoogleCloudSimplePubSubHandler needs project_id and topic_id, got "
                f"{project_id!r} and {topic_id!r}"
            )
        settings = dict(batch_settings_kwargs or {})
        if "max_messages" in settings:
            max_batch_size = min(max_batch_size, int(settings["max_messages"]))
        if not isinstance(max_batch_size, int) or not 1 <= max_batch_size <= MAX_BATCH:
            raise ConfigurationError(
                f"max_batch_size must be between 1 and 1000 (Pub/Sub's limit), "
                f"got {max_batch_size!r}"
            )
        for label, value in (("serializer", serializer), ("ordering_key", ordering_key)):
            if value is not None and not callable(value):
                raise ConfigurationError(f"{label} must be callable, got {value!r}")
        super().__init__(
            max_batch_size=max_batch_size,
            max_in_flight=max_in_flight,
            backoff=backoff,
            ordered=ordering_key is not None,
            outbox=outbox,
        )
        self.project_id = project_id
        self.topic_id = topic_id
        self.topic = f"projects/{project_id}/topics/{topic_id}"
        self.serializer: Serializer = serializer or encode_event
        self.ordering_key = ordering_key
        self.max_request_bytes = min(
            MAX_REQUEST_BYTES, int(settings.get("max_bytes", MAX_REQUEST_BYTES))
        )
        self._publisher = ClientHolder(PublisherClient, client_kwargs)

    def __repr__(self) -> str:
        return f"GoogleCloudSimplePubSubHandler({self.topic!r})"

    async def batch_limit(self) -> int:
        return self.max_request_bytes

    def prepare(self, event: Event, limit: int) -> Outgoing | None:
        name = name_of(event)
        try:
            data = self.serializer(event).encode()
        except Exception as exc:
            report_failure(self, (event,), exc)
            return None
        attributes = {
            "event_name": name,
            "event_id": event.id if isinstance(event, Envelope) else new_event_id(),
        }
        if isinstance(event, Envelope):
            attributes.update(event.headers)
        key = self.ordering_key(event) if self.ordering_key else ""
        size = _encoded_size(data, attributes, key)
        if size > limit:
            error = PubSubDeliveryError(
                name,
                f"message of {size} bytes exceeds the request limit of {limit}",
                permanent=True,
            )
            report_failure(self, (event,), error)
            return None
        return Outgoing(event, PubsubMessage(data, ordering_key=key, **attributes), size)

    async def attempt(self, batch: list[Outgoing], *, last: bool) -> list[Outgoing]:
        publisher = self._publisher.get()
        try:
            if hooks.sending is None:
                response = await publisher.publish(self.topic, [o.request for o in batch])
            else:
                with hooks.sending("gcp_pubsub", self.topic_id, [o.event for o in batch]):
                    response = await publisher.publish(self.topic, [o.request for o in batch])
        except Exception as exc:
            if is_transient(exc) and not last:
                logger.warning("publishing failed (%r), retrying %d event(s)", exc, len(batch))
                return batch
            if not is_transient(exc) and len(batch) > 1:
                # refused as a whole: split it to find the event(s) at fault
                middle = len(batch) // 2
                retry = await self.attempt(batch[:middle], last=last)
                return retry + await self.attempt(batch[middle:], last=last)
            reason = _describe(exc)
            for outgoing in batch:
                error = PubSubDeliveryError(
                    name_of(outgoing.event), reason, permanent=not is_transient(exc)
                )
                outgoing.done(error)
            return []
        published = len(response.get("messageIds", []))
        if published != len(batch):  # an answer cut short: not known to be published
            logger.warning("Pub/Sub confirmed %d of %d message(s), retrying", published, len(batch))
            if not last:
                return batch
            for outgoing in batch:
                name = name_of(outgoing.event)
                outgoing.done(PubSubDeliveryError(name, "never confirmed", permanent=False))
            return []
        for outgoing in batch:
            outgoing.done(None)
        return []

    async def aclose(self) -> None:
        """Wait for publishes in flight, then close the client."""
        await super().aclose()
        await self._publisher.aclose()
