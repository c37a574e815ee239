from __future__ import annotations

from enum import Enum

import pytest

from events_core import ConfigurationError, Event, InvalidEventName, dispatch
from events_local import Depends, LocalHandler

from .conftest import Harness


class Cat(Enum):
    ATE = "cat.ate"


async def test_register_forms_and_matching(handler: LocalHandler, harness: Harness) -> None:
    calls: list[tuple[str, str]] = []

    @handler.register
    async def every(event: Event) -> None:
        calls.append(("every", event[0]))

    @handler.register(event_name="cat*")
    @handler.register(event_name=Cat.ATE)
    async def cats(event: Event) -> None:
        calls.append(("cats", event[0]))

    @handler.register(event_name="dog.?ark")
    async def dogs(event: Event) -> None:
        calls.append(("dogs", event[0]))

    @handler.register(event_name="[ab]nt")
    async def insects(event: Event) -> None:
        calls.append(("insects", event[0]))

    async with harness.bus.scope():
        dispatch("cat.ate")
        dispatch("dog.bark")
        dispatch("dog.barks")
        dispatch("ant")
        dispatch("Cat.ate")  # case-sensitive
    assert calls == [
        ("every", "cat.ate"),
        ("cats", "cat.ate"),
        ("cats", "cat.ate"),  # stacked: registered for two patterns that both match
        ("every", "dog.bark"),
        ("dogs", "dog.bark"),
        ("every", "dog.barks"),
        ("every", "ant"),
        ("insects", "ant"),
        ("every", "Cat.ate"),
    ]


def test_register_returns_the_function_unchanged(handler: LocalHandler) -> None:
    async def original(event: Event) -> str:
        return "still callable"

    assert handler.register(event_name="x")(original) is original
    assert handler.register(original) is original
    assert handler.registrations == [("x", original), ("*", original)]


async def test_cache_follows_registrations(handler: LocalHandler, harness: Harness) -> None:
    seen: list[str] = []

    async def first(event: Event) -> None:
        seen.append("first")

    async def second(event: Event) -> None:
        seen.append("second")

    handler.register(first, event_name="e")
    assert [p.func for p in handler.handlers_for("e")] == [first]
    handler.register(second, event_name="e*")
    assert [p.func for p in handler.handlers_for("e")] == [first, second]
    assert handler.unregister(first) == 1
    assert [p.func for p in handler.handlers_for("e")] == [second]
    async with harness.bus.scope():
        dispatch("e")
    assert seen == ["second"]
    handler.clear()
    assert handler.handlers_for("e") == ()


def test_unregister_one_pattern(handler: LocalHandler) -> None:
    async def fn(event: Event) -> None: ...

    handler.register(fn, event_name="a")
    handler.register(fn, event_name="b")
    assert handler.unregister(fn, event_name="a") == 1
    assert handler.registrations == [("b", fn)]


def test_registration_errors_name_handler_and_parameter(handler: LocalHandler) -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        handler.register("nope", event_name="x")  # type: ignore[call-overload]
    with pytest.raises(InvalidEventName, match="register"):
        handler.register(event_name=42)  # type: ignore[call-overload]

    async def mystery(event: Event, db) -> None:  # type: ignore[no-untyped-def]
        ...

    with pytest.raises(ConfigurationError, match=r"mystery.*'db'"):
        handler.register(mystery)

    def needs_settings(settings) -> int:  # type: ignore[no-untyped-def]
        return 1

    async def uses(event: Event, value: int = Depends(needs_settings)) -> None: ...

    with pytest.raises(ConfigurationError, match=r"needs_settings.*'settings'"):
        handler.register(uses)

    async def gen(event: Event):  # type: ignore[no-untyped-def]
        yield

    with pytest.raises(ConfigurationError, match="generator"):
        handler.register(gen)

    def loop_a(x: int = Depends(lambda: 1)) -> int:
        return x

    def cyclic(x: int = Depends(loop_a)) -> int:
        return x

    loop_a.__defaults__ = (Depends(cyclic),)
    with pytest.raises(ConfigurationError, match="itself"):
        handler.register(cyclic)
    assert handler.registrations == []


def test_bad_max_concurrency() -> None:
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        LocalHandler(max_concurrency=0)


async def test_enum_names_match_by_value_and_reach_handlers_as_given(
    handler: LocalHandler, harness: Harness
) -> None:
    got: list[object] = []

    @handler.register(event_name=Cat.ATE)
    async def on_ate(event: Event) -> None:
        got.append(event[0])

    async with harness.bus.scope():
        dispatch(Cat.ATE)
        dispatch("cat.ate")
    assert got == [Cat.ATE, "cat.ate"]
    assert got[0] is Cat.ATE
