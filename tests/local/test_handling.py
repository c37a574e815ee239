from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

from events_core import Event, dispatch
from events_core.hooks import hooks
from events_local import LocalHandler

from .conftest import Harness

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def test_registration_order_and_isolation(handler: LocalHandler, harness: Harness) -> None:
    order: list[str] = []

    @handler.register(event_name="e")
    async def first(event: Event) -> None:
        order.append("first")

    @handler.register(event_name="e")
    async def broken(event: Event) -> None:
        raise ValueError("broken handler")

    @handler.register(event_name="*")
    def third(event: Event) -> None:
        order.append("third")

    async with harness.bus.scope():
        dispatch("e")
        dispatch("other")
    assert order == ["first", "third", "third"]
    assert len(harness.failures) == 1
    assert harness.failures[0].handler.endswith("broken")
    assert harness.failures[0].event_names == ("e",)


async def test_sync_handlers_run_in_a_thread_with_contextvars(
    handler: LocalHandler, harness: Harness
) -> None:
    seen: dict[str, Any] = {}

    @handler.register(event_name="sync")
    def in_thread(event: Event) -> None:
        seen["thread"] = threading.get_ident()
        seen["request_id"] = request_id.get()
        dispatch("chained-from-sync")

    @handler.register(event_name="chained-*")
    async def chained(event: Event) -> None:
        seen["chained"] = event[0]

    request_id.set("req-7")
    async with harness.bus.scope():
        dispatch("sync")
    await harness.bus.drain(2)
    assert seen["thread"] != threading.get_ident()
    assert seen["request_id"] == "req-7"
    assert seen["chained"] == "chained-from-sync"


async def test_max_concurrency_limits_events_in_flight() -> None:
    handler = LocalHandler(max_concurrency=2)
    active = 0
    peak = 0

    @handler.register(event_name="slow")
    async def slow(event: Event) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1

    await asyncio.gather(*(handler.handle(("slow", i)) for i in range(6)))
    assert peak == 2


async def test_handling_hook_wraps_each_call(handler: LocalHandler, harness: Harness) -> None:
    spans: list[tuple[str, str, str]] = []

    class Span:
        def __init__(self, cls: str, path: str, event: Event) -> None:
            self.record = (cls, path, event[0])

        def __enter__(self) -> None:
            spans.append(self.record)

        def __exit__(self, *exc: object) -> None:
            return None

    @handler.register(event_name="traced")
    async def traced(event: Event) -> None:
        return None

    hooks.handling = Span
    try:
        async with harness.bus.scope():
            dispatch("traced")
    finally:
        hooks.handling = None
    assert spans == [("LocalHandler", f"{__name__}.{traced.__qualname__}", "traced")]


async def test_handle_called_directly_and_unmatched_events(handler: LocalHandler) -> None:
    got: list[Event] = []

    @handler.register(event_name="direct")
    async def direct(event: Event) -> None:
        got.append(event)

    @handler.register(event_name="no-args")
    async def no_args() -> None:
        got.append(("no-args", None))

    await handler.handle(("direct", 1))
    await handler.handle(("no-args", None))
    await handler.handle(("unmatched", None))
    await handler.handle_many([("direct", 2)])
    assert got == [("direct", 1), ("no-args", None), ("direct", 2)]
