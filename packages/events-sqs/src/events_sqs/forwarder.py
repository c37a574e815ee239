"""``SQSForwardHandler``: forwards events to an SQS queue in batches, asynchronously."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from events_core import ConfigurationError, Event, report_failure
from events_core.codec import Serializer, encode_event
from events_core.forwarding import BatchingForwarder, DeliveryError, Outgoing
from events_core.hooks import hooks
from events_core.outbox import SQLiteOutbox
from events_core.retry import Backoff
from events_core.types import Envelope, name_of, new_event_id

from .client import SQSClient, is_transient

__all__ = ["SQSDeliveryError", "SQSForwardHandler"]

logger = logging.getLogger("events_sqs")

#: SQS's limit for a message and for a whole batch (a queue's MaximumMessageSize may be lower).
SQS_MAX_BYTES = 1024 * 1024
MAX_ATTRIBUTES = 10


class SQSDeliveryError(DeliveryError):
    """An event could not be delivered to SQS; ``permanent`` when retrying cannot help."""

    broker = "SQS"


class SQSForwardHandler(BatchingForwarder):
    """Forwards each event as one SQS message whose body is ``["event name", payload]``.

    Args:
        queue_url: the queue URL (a bare queue name is looked up once).
        region_name: the AWS region.
        serializer: ``event -> str`` for the body (default: the original's JSON array).
        id_generator: ``event -> str`` for event ids, as the original (default: a UUID4 hex);
            an :class:`~events_core.Envelope` keeps its own id.
        max_batch_size: messages per ``SendMessageBatch`` call, 1 to 10.
        message_group_id: ``event -> str`` for FIFO queues (default: the event name).
        max_in_flight: batches sent at once.
        backoff: retries of transient failures (default: about 63 s in 12 attempts).
        outbox: a SQLite file (or :class:`~events_core.outbox.SQLiteOutbox`) where events
            that still fail after the retries, or are pending at shutdown, wait to be re-sent.
        **client_kwargs: passed to ``aioboto3.Session().client("sqs", ...)`` (``endpoint_url``,
            credentials, ``config``...).

    Each message carries the attributes ``event_name`` and ``event_id``, plus the envelope's
    headers (trace context). Events that SQS rejects, or that are too large, are reported one by
    one (log, counter, ``on_error``); the rest of the batch is still delivered.
    """

    def __init__(
        self,
        queue_url: str,
        region_name: str | None = None,
        serializer: Serializer | None = None,
        id_generator: Callable[[Event], str] | None = None,
        max_batch_size: int = 10,
        *,
        message_group_id: Callable[[Event], str] | None = None,
        max_in_flight: int = 2,
        backoff: Backoff | None = None,
        outbox: SQLiteOutbox | str | Path | None = None,
        **client_kwargs: Any,
    ) -> None:
        if not isinstance(queue_url, str) or not queue_url:
            raise ConfigurationError(f"SQSForwardHandler needs a queue URL, got {queue_url!r}")
        if not isinstance(max_batch_size, int) or not 1 <= max_batch_size <= 10:
            raise ConfigurationError(
                f"max_batch_size must be between 1 and 10 (SQS's limit), got {max_batch_size!r}"
            )
        for label, value in (
            ("serializer", serializer),
            ("id_generator", id_generator),
            ("message_group_id", message_group_id),
        ):
            if value is not None and not callable(value):
                raise ConfigurationError(f"{label} must be callable, got {value!r}")
        if max_in_flight < 1:
            raise ConfigurationError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.queue_url = queue_url
        self.fifo = queue_url.endswith(".fifo")
        self.serializer: Serializer = serializer or encode_event
        self.id_generator = id_generator or (lambda event: new_event_id())
        self.message_group_id = message_group_id or name_of
        self._sqs = SQSClient(queue_url, region_name, client_kwargs)
        super().__init__(
            max_batch_size=max_batch_size,
            max_in_flight=max_in_flight,
            backoff=backoff,
            ordered=self.fifo,
            outbox=outbox,
        )

    error_type = SQSDeliveryError

    def __repr__(self) -> str:
        return f"SQSForwardHandler({self.queue_url!r})"

    def event_id(self, event: Event) -> str:
        return self.id_generator(event)

    async def batch_limit(self) -> int:
        size = await self._sqs.attribute("MaximumMessageSize", "262144")
        return min(SQS_MAX_BYTES, int(size))

    def prepare(self, event: Event, limit: int) -> Outgoing | None:
        name = name_of(event)
        try:
            body = self.serializer(event)
        except Exception as exc:
            report_failure(self, (event,), exc)
            return None
        event_id = event.id if isinstance(event, Envelope) else self.event_id(event)
        attributes = {"event_name": name, "event_id": event_id}
        if isinstance(event, Envelope):
            attributes.update(event.headers)
        if len(attributes) > MAX_ATTRIBUTES:
            dropped = sorted(attributes)[MAX_ATTRIBUTES:]
            logger.warning("event %r: SQS allows 10 attributes, leaving out %s", name, dropped)
            attributes = {k: attributes[k] for k in sorted(attributes)[:MAX_ATTRIBUTES]}
        request: dict[str, Any] = {
            "MessageBody": body,
            "MessageAttributes": {
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            },
        }
        if self.fifo:
            request["MessageGroupId"] = self.message_group_id(event)
            request["MessageDeduplicationId"] = event_id
        size = len(body.encode()) + sum(len(k) + 6 + len(v.encode()) for k, v in attributes.items())
        if size > limit:
            report_failure(
                self,
                (event,),
                SQSDeliveryError(
                    name, f"message of {size} bytes exceeds the queue's {limit}", permanent=True
                ),
            )
            return None
        return Outgoing(event, request, size)

    async def attempt(self, batch: list[Outgoing], *, last: bool) -> list[Outgoing]:
        """Send once; report what failed for good, return what to try again."""
        by_id = {str(i): entry for i, entry in enumerate(batch)}
        try:
            client = await self._sqs.get()
            url = await self._sqs.url()
            entries = [{"Id": i, **entry.request} for i, entry in by_id.items()]
            if hooks.sending is None:
                response = await client.send_message_batch(QueueUrl=url, Entries=entries)
            else:
                with hooks.sending("aws_sqs", url.rsplit("/", 1)[-1], [e.event for e in batch]):
                    response = await client.send_message_batch(QueueUrl=url, Entries=entries)
        except Exception as exc:
            if is_transient(exc) and not last:
                logger.warning("SQS send failed (%r), retrying %d event(s)", exc, len(batch))
                return batch
            reason = f"{type(exc).__name__}: {exc}"
            for entry in batch:
                name = name_of(entry.event)
                entry.done(SQSDeliveryError(name, reason, permanent=not is_transient(exc)))
            return []
        retry: list[Outgoing] = []
        for failed in response.get("Failed", []):
            entry = by_id.pop(failed["Id"])
            reason = f"{failed.get('Code')}: {failed.get('Message', '')}"
            if failed.get("SenderFault") or last:
                permanent = bool(failed.get("SenderFault"))
                entry.done(SQSDeliveryError(name_of(entry.event), reason, permanent=permanent))
            else:
                retry.append(entry)
        confirmed = {item.get("Id") for item in response.get("Successful", [])}
        for entry_id, entry in by_id.items():
            if entry_id in confirmed:
                entry.done(None)
            elif last:  # never confirmed (e.g. an answer cut short): not known to be delivered
                name = name_of(entry.event)
                entry.done(SQSDeliveryError(name, "SQS never confirmed it", permanent=False))
            else:
                retry.append(entry)
        if retry:
            logger.warning("SQS did not take %d event(s) this time, retrying", len(retry))
        return retry

    async def astart(self) -> None:
        """Open the client, resolve the queue, read its size limit (at lifespan startup), and
        re-send what an earlier process left in the outbox."""
        await self._sqs.attribute("MaximumMessageSize", "262144")
        await super().astart()

    async def aclose(self) -> None:
        """Wait for batches in flight, then close the SQS client."""
        await super().aclose()
        await self._sqs.aclose()
