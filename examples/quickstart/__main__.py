"""Run the quickstart app in-process: a few requests, and each event as its handlers see it."""

from __future__ import annotations

import asyncio

from events_asgi.testing import lifespan, send_request
from events_asgi.types import Message, Receive, Scope, Send

from .app import app


async def show_when_sent(scope: Scope, receive: Receive, send: Send) -> None:
    """Wrap the app to print the moment the response leaves, before handlers run."""

    async def announce(message: Message) -> None:
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            print(f"  <- response sent: {message.get('body', b'').decode()}")

    await app(scope, receive, announce)


async def main() -> None:
    requests = [("GET", "/"), ("POST", "/cats/7/fish"), ("GET", "/missing")]
    async with lifespan(app):
        for method, path in requests:
            print(f"-> {method} {path}")
            response = await send_request(show_when_sent, path, method=method)
            print(f"   status {response.status}\n")
    print("Handlers ran after each response was sent. See examples/ for more.")


if __name__ == "__main__":
    asyncio.run(main())
