from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from events_core import (
    BaseEventHandler,
    ConfigurationError,
    EchoHandler,
    Event,
    EventBus,
    FailurePolicy,
    HandlerFailure,
    NullHandler,
    dispatch,
)

from .helpers import Recorder


async def test_a_failing_handler_does_not_stop_others_or_other_events(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing, healthy = Recorder(fail_on={"bad"}), Recorder()
    failures: list[HandlerFailure] = []
    bus = EventBus([failing, healthy], on_error=failures.append)
    async with bus.scope():
        dispatch("good-1")
        dispatch("bad")
        dispatch("good-2")
    assert failing.names == ["good-1", "good-2"]
    assert healthy.names == ["good-1", "bad", "good-2"]
    assert len(failures) == 1
    assert failures[0].event_names == ("bad",)
    assert "Recorder" in failures[0].handler
    assert isinstance(failures[0].exception, RuntimeError)
    assert bus.stats.failed == 1
    assert "failed on event 'bad'" in caplog.text


async def test_handle_many_failure_is_reported_for_the_batch() -> None:
    class Batch(BaseEventHandler):
        async def handle_many(self, events: object) -> None:
            raise ValueError("batch down")

    failures: list[HandlerFailure] = []
    other = Recorder()
    bus = EventBus([Batch(), other], on_error=failures.append)
    async with bus.scope():
        dispatch("a")
        dispatch("b")
    assert other.names == ["a", "b"]
    assert failures[0].event_names == ("a", "b")


async def test_error_hook_that_fails_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    def hook(failure: HandlerFailure) -> None:
        raise KeyError("hook broke")

    bus = EventBus([Recorder(fail_on={"x"})], on_error=hook)
    async with bus.scope():
        dispatch("x")
    assert "on_error hook failed" in caplog.text


async def test_raise_handler_errors_for_tests() -> None:
    bus = EventBus([Recorder(fail_on={"x"})], raise_handler_errors=True)
    with pytest.raises(RuntimeError, match="boom on x"):
        async with bus.scope():
            dispatch("x")


async def test_chained_events_are_handled_and_drained() -> None:
    seen: list[str] = []

    class Chain(BaseEventHandler):
        async def handle(self, event: Event) -> None:
            seen.append(event[0])
            if event[0] == "first":
                dispatch("second")
            elif event[0] == "second":
                await asyncio.sleep(0.01)
                dispatch("third")

    bus = EventBus([Chain()])
    async with bus.scope():
        dispatch("first")
    report = await bus.drain(2)
    assert seen == ["first", "second", "third"]
    assert report.pending == 0
    assert bus.pending == 0


async def test_scope_failure_policies() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    with pytest.raises(ZeroDivisionError):
        async with bus.scope(policy="on_success"):
            dispatch("lost-on-purpose")
            1 / 0  # noqa: B018
    with pytest.raises(ZeroDivisionError):
        async with bus.scope():
            dispatch("kept")
            1 / 0  # noqa: B018
    assert rec.names == ["kept"]
    assert bus.stats.discarded == 1


@pytest.mark.parametrize(
    ("policy", "raised", "status", "kept"),
    [
        ("always", True, None, True),
        ("always", False, 500, True),
        ("on_success", False, 200, True),
        ("on_success", False, 404, False),
        ("on_success", False, 503, False),
        ("on_success", True, None, False),
        ("never", False, 404, True),
        ("never", False, 500, False),
        ("never", True, 200, False),
        ("never", False, None, True),
    ],
)
def test_failure_policy_table(policy: str, raised: bool, status: int | None, kept: bool) -> None:
    assert FailurePolicy(policy).keeps(raised=raised, status=status) is kept


async def test_drain_times_out_and_aclose_reports_dropped(caplog: pytest.LogCaptureFixture) -> None:
    slow = Recorder(delay=5)
    bus = EventBus([slow])
    dispatch("slow")
    report = await bus.drain(0.05)
    assert report.pending == 1
    caplog.set_level(logging.INFO)
    closed = await bus.aclose(0.05)
    assert closed.pending == 1
    assert bus.stats.dropped == 1
    assert slow.closed
    assert "1 event(s) not handled" in caplog.text


async def test_dispatch_from_another_thread_reaches_the_bus() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    async with bus.scope():
        pass  # binds the bus to this loop

    def work() -> None:
        dispatch("from-thread", {"t": threading.get_ident()})

    await asyncio.get_running_loop().run_in_executor(None, work)
    await asyncio.sleep(0.01)
    await bus.drain(1)
    assert rec.names == ["from-thread"]


def test_events_dispatched_before_any_loop_wait_for_the_bus() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    dispatch("early")
    assert bus.pending == 1
    asyncio.run(bus.drain(1))
    assert rec.names == ["early"]


def test_bad_handlers_are_rejected_where_the_bus_is_built() -> None:
    with pytest.raises(ConfigurationError, match="pass an instance"):
        EventBus([Recorder])
    with pytest.raises(ConfigurationError, match="not an event handler"):
        EventBus([print])
    with pytest.raises(ConfigurationError, match="overrides neither"):
        EventBus([BaseEventHandler()])
    with pytest.raises(ConfigurationError, match="list of event handlers"):
        EventBus("local_handler")  # type: ignore[arg-type]


async def test_echo_and_null_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    bus = EventBus([EchoHandler(), NullHandler()])
    async with bus.scope():
        dispatch("echoed", {"k": "v"})
    assert "('echoed', {'k': 'v'})" in capsys.readouterr().out
    assert bus.stats.handled == 1


async def test_memory_is_bounded_and_the_caller_told() -> None:
    from events_core import EventBusFull

    slow = Recorder(delay=1)
    bus = EventBus([slow], max_pending=3)
    for n in range(3):
        dispatch("queued", n)
    with pytest.raises(EventBusFull, match=r"dispatch\('overflow'\): 3 events"):
        dispatch("overflow")
    assert bus.stats.rejected == 1
    assert bus.pending == 3
    await bus.aclose(0.01)
    assert bus.pending == 0
