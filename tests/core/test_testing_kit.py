from __future__ import annotations

import asyncio
import threading

import pytest

from events_core import BaseEventHandler, Event, EventBus, dispatch
from events_core.testing import CapturedEvents, capture_events, dispatch_disabled

from .helpers import Recorder


async def test_capture_while_handling_normally() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    with capture_events() as events:
        async with bus.scope():
            dispatch("user.created", {"id": 1, "profile": {"name": "ada", "age": 36}})
            dispatch("user.updated", {"id": 1})
            dispatch("user.updated", {"id": 2})
    assert rec.names == ["user.created", "user.updated", "user.updated"]
    assert events.names == rec.names
    events.assert_dispatched("user.created", payload_subset={"profile": {"name": "ada"}})
    events.assert_dispatched("user.updated", {"id": 2})
    events.assert_dispatched("user.updated", times=2)
    events.assert_not_dispatched("user.deleted")
    events.assert_order("user.created", "user.updated")
    assert events.count() == 3
    assert events.count("user.updated") == 2
    assert events[0][0] == "user.created"


async def test_assertions_fail_with_what_was_dispatched() -> None:
    bus = EventBus([Recorder()])
    with capture_events() as events:
        async with bus.scope():
            dispatch("a", {"x": 1})
            dispatch("b")
    with pytest.raises(AssertionError, match=r"expected event 'c'; dispatched: \[\('a'"):
        events.assert_dispatched("c")
    with pytest.raises(AssertionError, match="containing"):
        events.assert_dispatched("a", payload_subset={"x": 2})
    with pytest.raises(AssertionError, match="2 time"):
        events.assert_dispatched("a", times=2)
    with pytest.raises(AssertionError, match="expected no event 'a'"):
        events.assert_not_dispatched("a")
    with pytest.raises(AssertionError, match="in this order"):
        events.assert_order("b", "a")


async def test_capture_without_handling_then_handle_now() -> None:
    rec = Recorder(fail_on={"bad"})
    bus = EventBus([rec])
    with capture_events(handle=False) as events:
        async with bus.scope():
            dispatch("good")
            dispatch("bad")
    assert rec.events == []
    assert events.names == ["good", "bad"]
    other = Recorder(fail_on={"bad"})
    with pytest.raises(RuntimeError, match="boom on bad"):
        await events.ahandle(other)
    assert other.names == ["good"]


def test_sync_handle_runs_handlers_and_raises() -> None:
    seen: list[str] = []

    class Sink(BaseEventHandler):
        async def handle(self, event: Event) -> None:
            seen.append(str(event[0]))

    events = CapturedEvents()
    events._add(("one", None))
    events.handle(Sink())
    assert seen == ["one"]


async def test_sync_handle_inside_a_loop_points_to_ahandle() -> None:
    with pytest.raises(RuntimeError, match="ahandle"):
        CapturedEvents().handle(Recorder())


async def test_raise_errors_makes_handler_failures_fail_the_test() -> None:
    bus = EventBus([Recorder(fail_on={"bad"})])
    with pytest.raises(RuntimeError, match="boom on bad"), capture_events(raise_errors=True):
        async with bus.scope():
            dispatch("bad")
    async with bus.scope():  # back to isolation afterwards
        dispatch("bad")
    assert bus.stats.failed == 2


async def test_capture_sees_other_threads() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    with capture_events() as events:
        async with bus.scope():
            pass

        def work() -> None:
            dispatch("threaded")

        await asyncio.get_running_loop().run_in_executor(None, work)
        await asyncio.sleep(0.01)
        await bus.drain(1)
    assert events.names == ["threaded"]
    assert threading.active_count() >= 1


async def test_dispatch_disabled_and_fixtures(
    captured_events: CapturedEvents, handler_errors_raise: None
) -> None:
    bus = EventBus([Recorder()])
    with dispatch_disabled():
        async with bus.scope():
            dispatch("silenced")
    async with bus.scope():
        dispatch("heard")
    assert captured_events.names == ["heard"]


async def test_events_disabled_fixture(events_disabled: None) -> None:
    rec = Recorder()
    bus = EventBus([rec])
    async with bus.scope():
        dispatch("nothing")
    assert rec.events == []
