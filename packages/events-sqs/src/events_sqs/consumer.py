"""``SQSConsumer``: reads a queue and hands each event to local handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from events_core import ConfigurationError, Envelope, EventBus, HandlerFailure, registry
from events_core.codec import MalformedMessage, decode_event
from events_core.hooks import hooks
from events_core.registry import PayloadSchemaRegistry
from events_core.retry import Backoff
from events_core.scope import event_store
from events_local import local_handler

from .client import SQSClient

__all__ = ["ConsumerStats", "SQSConsumer"]

logger = logging.getLogger("events_sqs")

_failures: ContextVar[list[HandlerFailure] | None] = ContextVar("events_sqs_failures", default=None)


@dataclass
class ConsumerStats:
    """What a consumer did so far."""

    received: int = 0
    handled: int = 0
    failed: int = 0
    malformed: int = 0
    deleted: int = 0


class SQSConsumer:
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
        **client_kwargs: passed to ``aioboto3.Session().client("sqs", ...)``.
    """

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
        deserializer: Callable[[str], tuple[str, Any]] | None = None,
        payload_schema_registry: PayloadSchemaRegistry | None = None,
        on_error: Callable[[HandlerFailure], object] | None = None,
        **client_kwargs: Any,
    ) -> None:
        if concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        if not 0 <= wait_time_seconds <= 20:
            raise ConfigurationError(
                f"wait_time_seconds must be between 0 and 20 (SQS's limit), got {wait_time_seconds}"
            )
        chosen = local_handler if handlers is None else handlers
        self.handlers = list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]
        self.concurrency = concurrency
        self.wait_time_seconds = wait_time_seconds
        self.backoff = backoff or Backoff(initial=1.0, maximum=300.0, attempts=1)
        self.shutdown_timeout = shutdown_timeout
        self.deserializer = deserializer or decode_event
        self.schemas = registry if payload_schema_registry is None else payload_schema_registry
        self.stats = ConsumerStats()
        self._on_error = on_error
        self._sqs = SQSClient(queue_url, region_name, client_kwargs)
        self._bus = EventBus(self.handlers, on_error=self._record, discoverable=False)
        self._stopping: asyncio.Event | None = None
        self._deletes: list[tuple[str, str]] = []
        self._tasks: dict[asyncio.Task[None], dict[str, Any]] = {}
        self._delete_timer: asyncio.Future[None] | None = None
        #: Seconds handled messages wait to be deleted together (at most 10 per call).
        self.delete_interval = 0.05

    def _record(self, failure: HandlerFailure) -> None:
        failures = _failures.get()
        if failures is not None:
            failures.append(failure)
        if self._on_error is not None:
            self._on_error(failure)

    # -- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Receive and handle messages until :meth:`stop` is called."""
        self._stopping = asyncio.Event()
        stop = asyncio.ensure_future(self._stopping.wait())
        logger.info("SQS consumer started on %s", self._sqs.queue_url)
        try:
            while not self._stopping.is_set():
                free = self.concurrency - len(self._tasks)
                if free <= 0:
                    await asyncio.wait({*self._tasks, stop}, return_when=asyncio.FIRST_COMPLETED)
                    continue
                messages = await self._receive(min(10, free), stop)
                if messages is None:
                    break
                for message in messages:
                    self.stats.received += 1
                    task = asyncio.ensure_future(self._process(message))
                    self._tasks[task] = message
                    task.add_done_callback(self._tasks.pop)
        finally:
            stop.cancel()
            await self._shutdown()

    def stop(self) -> None:
        """Stop receiving; in-flight messages get ``shutdown_timeout`` seconds to finish."""
        if self._stopping is not None:
            self._stopping.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SQSConsumer]:
        """Run in the background for the block (e.g. an app's lifespan), then stop."""
        task = asyncio.ensure_future(self.run())
        await asyncio.sleep(0)
        try:
            yield self
        finally:
            self.stop()
            await task

    async def _receive(self, count: int, stop: asyncio.Future[Any]) -> list[dict[str, Any]] | None:
        """Up to ``count`` messages; ``None`` once stopping."""
        try:
            client = await self._sqs.get()
            receive = asyncio.ensure_future(
                client.receive_message(
                    QueueUrl=await self._sqs.url(),
                    MaxNumberOfMessages=count,
                    WaitTimeSeconds=self.wait_time_seconds,
                    MessageAttributeNames=["All"],
                    MessageSystemAttributeNames=["ApproximateReceiveCount"],
                )
            )
        except Exception as exc:
            logger.error("cannot reach SQS (%r); trying again", exc)
            await asyncio.sleep(1)
            return []
        done, _ = await asyncio.wait({receive, stop}, return_when=asyncio.FIRST_COMPLETED)
        if receive not in done:
            receive.cancel()
            with contextlib.suppress(BaseException):
                await receive
            return None
        try:
            return list(receive.result().get("Messages", []))
        except Exception as exc:
            logger.error("receiving from SQS failed (%r); trying again", exc)
            await asyncio.sleep(1)
            return []

    # -- one message -----------------------------------------------------------------------

    def to_event(self, message: dict[str, Any]) -> Envelope:
        """The event in ``message``, validated; :class:`MalformedMessage` if it is none."""
        name, payload = self.deserializer(message["Body"])
        attributes = {
            key: value.get("StringValue", "")
            for key, value in message.get("MessageAttributes", {}).items()
            if value.get("DataType", "").startswith("String")
        }
        try:
            payload = self.schemas.validate(name, payload)
        except Exception as exc:
            raise MalformedMessage(f"payload of {name!r} does not match its schema: {exc}") from exc
        event_id = attributes.pop("event_id", None) or message.get("MessageId")
        attributes.pop("event_name", None)
        return Envelope(name, payload, id=event_id, headers=attributes)

    async def _process(self, message: dict[str, Any]) -> None:
        if hooks.on_scope is not None:
            hooks.on_scope()
        receive_count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            event = self.to_event(message)
        except MalformedMessage as exc:
            self.stats.malformed += 1
            logger.error(
                "malformed SQS message %s (receive %d), left for the dead-letter queue: %s",
                message.get("MessageId"),
                receive_count,
                exc,
            )
            await self._retry_later(message, receive_count)
            return
        failures: list[HandlerFailure] = []
        failures_token = _failures.set(failures)
        store_token = event_store.set(self._bus.detached)
        try:
            await self._bus.handle([event])
        except Exception as exc:  # raise mode (tests): count it as a failure all the same
            failures.append(HandlerFailure("?", (event,), exc))
        finally:
            event_store.reset(store_token)
            _failures.reset(failures_token)
        if failures:
            self.stats.failed += 1
            logger.warning(
                "event %r (message %s, receive %d) failed; it returns to the queue",
                event.name,
                message.get("MessageId"),
                receive_count,
            )
            await self._retry_later(message, receive_count)
            return
        self.stats.handled += 1
        self._deletes.append((message["MessageId"], message["ReceiptHandle"]))
        if len(self._deletes) >= 10:
            await self._flush_deletes(force=False)
        elif self._delete_timer is None or self._delete_timer.done():
            # delete soon, in batches: a handled message must not outlive its visibility
            self._delete_timer = asyncio.ensure_future(self._flush_soon())

    async def _retry_later(self, message: dict[str, Any], receive_count: int) -> None:
        delay = round(self.backoff.delay(receive_count))
        await self._set_visibility([message], min(delay, 43200))

    async def _set_visibility(self, messages: list[dict[str, Any]], seconds: int) -> None:
        try:
            client = await self._sqs.get()
            url = await self._sqs.url()
            for message in messages:
                await client.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
                )
        except Exception as exc:
            logger.warning("cannot change visibility (%r): the queue's timeout applies", exc)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.delete_interval)
        await self._flush_deletes(force=True)

    async def _flush_deletes(self, *, force: bool) -> None:
        while self._deletes and (force or len(self._deletes) >= 10):
            batch, self._deletes = self._deletes[:10], self._deletes[10:]
            try:
                client = await self._sqs.get()
                response = await client.delete_message_batch(
                    QueueUrl=await self._sqs.url(),
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": rh} for i, (_, rh) in enumerate(batch)
                    ],
                )
            except Exception as exc:
                logger.error(
                    "deleting %d handled message(s) failed (%r): they will come back",
                    len(batch),
                    exc,
                )
                continue
            failed = response.get("Failed", [])
            self.stats.deleted += len(batch) - len(failed)
            for item in failed:
                logger.error("deleting a handled message failed: %s", item)

    async def _shutdown(self) -> None:
        if self._tasks:
            logger.info("SQS consumer stopping: waiting for %d message(s)", len(self._tasks))
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=self.shutdown_timeout)
            if unfinished:
                messages = [self._tasks[t] for t in unfinished if t in self._tasks]
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)
                logger.warning(
                    "%d message(s) unfinished after %.1fs: returned to the queue, not deleted",
                    len(messages),
                    self.shutdown_timeout,
                )
                await self._set_visibility(messages, 0)
        if self._delete_timer is not None:
            self._delete_timer.cancel()
        await self._flush_deletes(force=True)
        await self._bus.aclose(self.shutdown_timeout)
        await self._sqs.aclose()
        logger.info("SQS consumer stopped: %s", self.stats)
