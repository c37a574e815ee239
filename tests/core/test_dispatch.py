from __future__ import annotations

from enum import Enum

import pytest

from events_core import (
    EventBus,
    EventScopeNotFound,
    InvalidEventName,
    MissingEventNameDuringDispatch,
    dispatch,
)

from .helpers import Recorder


class Color(Enum):
    RED = "color.red"
    NUMBER = 3


async def test_call_forms_of_the_reference_api() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    async with bus.scope():
        dispatch("a_cat_is_spotted")
        dispatch("cat-requested-a-fish", payload={"cat_id": 1})
        dispatch("positional", {"x": 1})
        dispatch(event_name="keyword", payload={"y": 2})
        dispatch(Color.RED, {"z": 3})
        dispatch(event_name=Color.RED)
    assert rec.events == [
        ("a_cat_is_spotted", None),
        ("cat-requested-a-fish", {"cat_id": 1}),
        ("positional", {"x": 1}),
        ("keyword", {"y": 2}),
        (Color.RED, {"z": 3}),
        (Color.RED, None),
    ]


async def test_events_are_handled_only_when_the_scope_ends() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    async with bus.scope() as collected:
        dispatch("one")
        assert rec.events == []
        assert collected == [("one", None)]
    assert rec.names == ["one"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((), {}, MissingEventNameDuringDispatch, "needs an event name"),
        ((None,), {"payload": {}}, MissingEventNameDuringDispatch, "needs an event name"),
        (("",), {}, InvalidEventName, "empty event name"),
        ((42,), {}, InvalidEventName, r"42 \(int\)"),
        (({"a": 1},), {}, InvalidEventName, "pydantic model"),
        ((Color.NUMBER,), {}, InvalidEventName, "Color.NUMBER"),
        (("a",), {"event_name": "b"}, InvalidEventName, "two event names"),
    ],
)
async def test_bad_input_is_a_clear_error(
    args: tuple[object, ...], kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    bus = EventBus([Recorder()])
    async with bus.scope() as collected:
        with pytest.raises(error, match=words):
            dispatch(*args, **kwargs)  # type: ignore[arg-type]
        assert collected == []


def test_errors_are_exceptions_not_base_exceptions() -> None:
    assert issubclass(EventScopeNotFound, LookupError)
    assert issubclass(MissingEventNameDuringDispatch, Exception)


def test_dispatch_with_nowhere_to_go_explains_middleware_id() -> None:
    with pytest.raises(LookupError) as info:
        dispatch("orphan", {"x": 1})
    message = str(info.value)
    assert "orphan" in message
    assert "middleware_id" in message
    assert "EventBus" in message


async def test_dispatch_outside_a_scope_goes_to_the_only_bus() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    dispatch("background", {"n": 1})
    await bus.drain(1)
    assert rec.events == [("background", {"n": 1})]


async def test_middleware_id_selects_among_several_buses() -> None:
    first, second = Recorder(), Recorder()
    bus1 = EventBus([first], bus_id=1)
    bus2 = EventBus([second], bus_id=2)
    with pytest.raises(EventScopeNotFound, match="middleware_id"):
        dispatch("ambiguous")
    dispatch("to-two", middleware_id=2)
    await bus1.drain(1)
    await bus2.drain(1)
    assert first.events == []
    assert second.names == ["to-two"]
    with pytest.raises(EventScopeNotFound, match="middleware_id=3"):
        dispatch("nobody", middleware_id=3)


async def test_middleware_id_inside_a_scope_of_another_bus_goes_to_that_bus() -> None:
    mine, other = Recorder(), Recorder()
    bus = EventBus([mine], bus_id="mine")
    other_bus = EventBus([other], bus_id="other")
    async with bus.scope():
        dispatch("local")
        dispatch("remote", middleware_id="other")
    await other_bus.drain(1)
    assert mine.names == ["local"]
    assert other.names == ["remote"]
