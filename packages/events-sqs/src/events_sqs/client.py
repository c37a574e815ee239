"""One aioboto3 SQS client per owner: created on first use, reused, closed on shutdown."""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import AsyncExitStack
from typing import Any

import aioboto3
from aiobotocore.config import AioConfig

__all__ = ["SQSClient", "is_transient"]

logger = logging.getLogger("events_sqs")

#: Error codes worth retrying: throttling and the service's own trouble.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestThrottled",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
        "KMS.ThrottlingException",
        "SlowDown",
    }
)


_session: Any = None
_session_lock = threading.Lock()
_warmed = False


def shared_session() -> Any:
    """One aioboto3 session per process: its parsed service models are shared by all clients."""
    global _session
    with _session_lock:
        if _session is None:
            _session = aioboto3.Session()
        return _session


def _warm(session: Any) -> None:
    """Parse botocore's JSON models for SQS now (in a thread), not on the event loop later."""
    global _warmed
    with _session_lock:
        if _warmed:
            return
        loader = session._session.get_component("data_loader")
        for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
            try:
                loader.load_data(name)
            except Exception:  # a botocore without that file: it is simply not needed
                logger.debug("botocore has no %s data", name)
        for kind in ("service-2", "endpoint-rule-set-1"):
            try:
                loader.load_service_model("sqs", kind)
            except Exception:
                logger.debug("botocore has no sqs %s model", kind)
        _warmed = True


def is_transient(exc: BaseException) -> bool:
    """Whether a failed SQS call may succeed if tried again."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code", "")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_CODES or int(status or 0) >= 500
    if "Validation" in type(exc).__name__:  # a request that can never be right
        return False
    # connection errors, timeouts, a closed session: botocore, aiohttp and asyncio all land here
    return isinstance(exc, (OSError, asyncio.TimeoutError)) or type(exc).__module__.startswith(
        ("botocore", "aiohttp", "aiobotocore")
    )


class SQSClient:
    """Holds an SQS client for the running event loop, and the queue's URL and limits."""

    def __init__(self, queue_url: str, region_name: str | None, client_kwargs: dict[str, Any]):
        self.queue_url = queue_url
        self._region = region_name
        # Our callers retry with their own backoff (and report per event), so botocore's own
        # retries would only multiply the wait; the requests are built here, so validating
        # them again would only spend time on the event loop. A given ``config=`` is used as
        # it is.
        client_kwargs.setdefault(
            "config",
            AioConfig(
                retries={"total_max_attempts": 1},
                connect_timeout=5,
                read_timeout=60,
                parameter_validation=False,
            ),
        )
        self._kwargs = client_kwargs
        self._session = shared_session()
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._resolved_url: str | None = None
        self._attributes: dict[str, str] = {}

    async def get(self) -> Any:
        """The client, created on first use in this event loop."""
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        if self._lock is None or self._loop is not loop:
            # A client belongs to the loop it was made in (a test client may run several).
            self._lock, self._loop, self._client, self._stack = asyncio.Lock(), loop, None, None
        async with self._lock:
            if self._client is None:
                if not _warmed:  # ~50 ms of JSON parsing that would otherwise stall the loop
                    await asyncio.to_thread(_warm, self._session)
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    self._session.client("sqs", region_name=self._region, **self._kwargs)
                )
                self._stack = stack
        return self._client

    async def url(self) -> str:
        """The queue URL; a bare queue name is resolved once with ``GetQueueUrl``."""
        if self._resolved_url is None:
            if "://" in self.queue_url:
                self._resolved_url = self.queue_url
            else:
                client = await self.get()
                found = await client.get_queue_url(QueueName=self.queue_url)
                self._resolved_url = str(found["QueueUrl"])
        return self._resolved_url

    async def attribute(self, name: str, default: str) -> str:
        """A queue attribute, read once; ``default`` (with a warning) if it cannot be read."""
        if name not in self._attributes:
            try:
                client = await self.get()
                found = await client.get_queue_attributes(
                    QueueUrl=await self.url(), AttributeNames=[name]
                )
                self._attributes[name] = str(found.get("Attributes", {}).get(name, default))
            except Exception as exc:
                logger.warning(
                    "cannot read %s of %s (%r): using %s", name, self.queue_url, exc, default
                )
                return default
        return self._attributes[name]

    async def aclose(self) -> None:
        """Close the client (and its connections)."""
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None and self._loop is asyncio.get_running_loop():
            await stack.aclose()
