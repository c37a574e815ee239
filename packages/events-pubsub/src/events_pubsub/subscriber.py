"""``PubSubSubscriber``: pulls from a subscription and hands each event to local handlers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from gcloud.aio.pubsub import SubscriberClient, SubscriberMessage

from events_core import HandlerFailure
from events_core.consuming import ConsumerStats, QueueConsumer
from events_core.registry import PayloadSchemaRegistry
from events_core.retry import Backoff
from events_local import local_handler

from .client import ClientHolder

__all__ = ["ConsumerStats", "PubSubSubscriber"]


class PubSubSubscriber(QueueConsumer[SubscriberMessage]):
    """Pulls messages and delivers each message's event to ``handlers``.

    A message is acknowledged only after every handler succeeded. A message whose handling
    failed, or that is not an event, is nacked by setting its ack deadline to the backoff delay,
    so it comes back and, after the subscription's ``maxDeliveryAttempts``, goes to its
    dead-letter topic. While a handler runs, the message's ack deadline is extended.

    Args:
        project_id: the Google Cloud project.
        subscription_id: the subscription (in that project).
        handlers: the handlers (default: ``local_handler``).
        concurrency: messages handled at once.
        pull_timeout: seconds a pull waits for messages.
        ack_deadline: seconds each extension of a message's lease grants.
        backoff: delay before a failed message comes back.
        shutdown_timeout: seconds :meth:`stop` lets in-flight messages finish.
        dedupe_window: seconds an event id handled successfully is remembered, so that a
            redelivery is acknowledged without being handled again (0: off).
        **client_kwargs: passed to gcloud-aio's ``SubscriberClient``.
    """

    label = "Pub/Sub subscriber"
    logger_name = "events_pubsub"
    settle_batch = 100

    def __init__(
        self,
        project_id: str,
        subscription_id: str,
        handlers: Any = None,
        *,
        concurrency: int = 10,
        pull_timeout: int = 10,
        ack_deadline: int = 30,
        backoff: Backoff | None = None,
        shutdown_timeout: float = 30.0,
        deserializer: Callable[[str | bytes], tuple[str, Any]] | None = None,
        payload_schema_registry: PayloadSchemaRegistry | None = None,
        on_error: Callable[[HandlerFailure], object] | None = None,
        dedupe_window: float = 300.0,
        **client_kwargs: Any,
    ) -> None:
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
        self.subscription = f"projects/{project_id}/subscriptions/{subscription_id}"
        self.pull_timeout = pull_timeout
        self.ack_deadline = ack_deadline
        self._subscriber = ClientHolder(SubscriberClient, client_kwargs)

    async def receive(self, count: int) -> list[SubscriberMessage]:
        try:
            messages = await self._subscriber.get().pull(
                self.subscription, max_messages=count, timeout=self.pull_timeout
            )
        except asyncio.TimeoutError:  # nothing arrived while the pull waited
            return []
        return list(messages)

    def unpack(self, message: SubscriberMessage) -> tuple[str | bytes, dict[str, str], str, int]:
        return (
            message.data or b"",
            dict(message.attributes or {}),
            str(message.message_id),
            int(message.delivery_attempt or 1),
        )

    async def settle(self, messages: list[SubscriberMessage]) -> int:
        await self._subscriber.get().acknowledge(self.subscription, [m.ack_id for m in messages])
        return len(messages)

    async def retry_later(self, message: SubscriberMessage, delay: int) -> None:
        await self._subscriber.get().modify_ack_deadline(
            self.subscription, [message.ack_id], ack_deadline_seconds=delay
        )

    async def in_flight(self, messages: list[SubscriberMessage]) -> None:
        if not messages:
            return
        await self._subscriber.get().modify_ack_deadline(
            self.subscription,
            [m.ack_id for m in messages],
            ack_deadline_seconds=self.ack_deadline,
        )

    async def close(self) -> None:
        await self._subscriber.aclose()
