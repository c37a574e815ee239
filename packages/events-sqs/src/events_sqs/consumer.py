"""``SQSConsumer``: reads an SQS queue and hands each event to local handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from events_core import ConfigurationError, HandlerFailure
from events_core.consuming import ConsumerStats, QueueConsumer
from events_core.registry import PayloadSchemaRegistry
from events_core.retry import Backoff
from events_local import local_handler

from .client import SQSClient

__all__ = ["ConsumerStats", "SQSConsumer"]

logger = logging.getLogger("events_sqs")

Message = dict[str, Any]


class SQSConsumer(QueueConsumer[Message]):
    """Long-polls an SQS queue and delivers each message's event to ``handlers``.

    A message is deleted only after every handler succeeded. A message whose handling failed,
    or that is not an event (bad JSON, another shape), is made visible again after a backoff
    delay, so the queue's redrive policy moves it to the dead-letter queue after
    ``maxReceiveCount`` receives. Payloads are validated with the registered schemas.

    Args:
        queue_url: the queue URL (a bare queue name is looked up once).
        handlers: the handlers (default: ``local_handler``).
        region_name: the AWS region.
        concurrency: messages handled at once.
        wait_time_seconds: long-polling wait of each receive (0 to 20).
        backoff: visibility delay before a failed message is received again.
        shutdown_timeout: seconds :meth:`stop` lets in-flight messages finish.
        deserializer: ``body -> (name, payload)`` (default: the original's JSON array).
        payload_schema_registry: schemas to validate with (default: the global registry).
        on_error: called with each handler failure.
        dedupe_window: seconds an event id handled successfully is remembered, so that a
            redelivery is settled without being handled again (0: off).
        **client_kwargs: passed to ``aioboto3.Session().client("sqs", ...)``.
    """

    label = "SQS consumer"
    logger_name = "events_sqs"

    def __init__(
        self,
        queue_url: str,
        handlers: Any = None,
        *,
        region_name: str | None = None,
        concurrency: int = 10,
        wait_time_seconds: int = 20,
        backoff: Backoff | None = None,
        shutdown_timeout: float = 30.0,
        deserializer: Callable[[str | bytes], tuple[str, Any]] | None = None,
        payload_schema_registry: PayloadSchemaRegistry | None = None,
        on_error: Callable[[HandlerFailure], object] | None = None,
        dedupe_window: float = 300.0,
        **client_kwargs: Any,
    ) -> None:
        if not 0 <= wait_time_seconds <= 20:
            raise ConfigurationError(
                f"wait_time_seconds must be between 0 and 20 (SQS's limit), got {wait_time_seconds}"
            )
        super().__init__(
            local_handler if handlers is None else handlers,
            concurrency=concurrency,
            backoff=backoff,
            shutdown_timeout=shutdown_timeout,
            deserializer=deserializer,
            payload_schema_registry=payload_schema_registry,
            on_error=on_error,
            dedupe_window=dedupe_window,
        )
        self.wait_time_seconds = wait_time_seconds
        self._sqs = SQSClient(queue_url, region_name, client_kwargs)

    async def receive(self, count: int) -> list[Message]:
        client = await self._sqs.get()
        response = await client.receive_message(
            QueueUrl=await self._sqs.url(),
            MaxNumberOfMessages=min(count, 10),
            WaitTimeSeconds=self.wait_time_seconds,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return list(response.get("Messages", []))

    def unpack(self, message: Message) -> tuple[str | bytes, dict[str, str], str, int]:
        attributes = {
            key: value.get("StringValue", "")
            for key, value in message.get("MessageAttributes", {}).items()
            if value.get("DataType", "").startswith("String")
        }
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        return message["Body"], attributes, str(message.get("MessageId", "")), attempt

    async def settle(self, messages: list[Message]) -> int:
        client = await self._sqs.get()
        response = await client.delete_message_batch(
            QueueUrl=await self._sqs.url(),
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
        failed = response.get("Failed", [])
        for item in failed:
            logger.error("deleting a handled message failed: %s", item)
        return len(messages) - len(failed)

    async def retry_later(self, message: Message, delay: int) -> None:
        client = await self._sqs.get()
        await client.change_message_visibility(
            QueueUrl=await self._sqs.url(),
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=min(delay, 43200),
        )

    async def close(self) -> None:
        await self._sqs.aclose()
