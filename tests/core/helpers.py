"""Small handlers used by the core tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from events_core import BaseEventHandler, Event


class Recorder(BaseEventHandler):
    """Records each event it handles; fails on events named in ``fail_on``."""

    def __init__(self, fail_on: Iterable[str] = (), delay: float = 0.0) -> None:
        self.events: list[Event] = []
        self.fail_on = set(fail_on)
        self.delay = delay
        self.closed = False

    async def handle(self, event: Event) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if event[0] in self.fail_on:
            raise RuntimeError(f"boom on {event[0]}")
        self.events.append(event)

    async def aclose(self) -> None:
        self.closed = True

    @property
    def names(self) -> list[object]:
        return [e[0] for e in self.events]
