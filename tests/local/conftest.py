from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from events_core import EventBus, HandlerFailure
from events_local import LocalHandler


@pytest.fixture
def handler() -> LocalHandler:
    return LocalHandler()


class Harness:
    """A bus around one LocalHandler that records failures."""

    def __init__(self, handler: LocalHandler) -> None:
        self.handler = handler
        self.failures: list[HandlerFailure] = []
        self.bus = EventBus([handler], on_error=self.failures.append)


@pytest.fixture
async def harness(handler: LocalHandler) -> AsyncIterator[Harness]:
    h = Harness(handler)
    yield h
    await h.bus.aclose(2)
