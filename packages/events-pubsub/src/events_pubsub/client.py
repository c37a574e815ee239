"""gcloud-aio-pubsub clients: one per owner and event loop, created on first use, closed on
shutdown. They honour ``PUBSUB_EMULATOR_HOST``."""

from __future__ import annotations

import asyncio
from typing import Any

from gcloud.aio.pubsub import PublisherClient, SubscriberClient

__all__ = ["ClientHolder", "is_transient"]

#: HTTP statuses worth retrying: throttling and the service's own trouble.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """Whether a failed Pub/Sub call may succeed if tried again."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status in TRANSIENT_STATUSES
    return isinstance(exc, (OSError, asyncio.TimeoutError)) or type(exc).__module__.startswith(
        "aiohttp"
    )


class ClientHolder:
    """A publisher or subscriber client for the running event loop."""

    def __init__(
        self, kind: type[PublisherClient] | type[SubscriberClient], kwargs: dict[str, Any]
    ):
        self._kind = kind
        self._kwargs = kwargs
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # a client's HTTP session belongs to the loop it was made in
            self._client, self._loop = self._kind(**self._kwargs), loop
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()
