from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from events_core import Event, dispatch
from events_local import Depends, LocalHandler

try:
    from fastapi import Depends as FastAPIDepends
except ImportError:  # events-local is tested without FastAPI too
    FastAPIDepends = Depends

from .conftest import Harness


async def test_sub_dependencies_sync_and_async(handler: LocalHandler, harness: Harness) -> None:
    got: dict[str, Any] = {}

    async def get_conn() -> str:
        return "conn"

    def get_session(conn: str = Depends(get_conn)) -> str:
        got["session-thread"] = threading.get_ident()
        return f"session({conn})"

    @handler.register(event_name="*")
    async def handle(event: Event, session: str = Depends(get_session)) -> None:
        got["session"] = session

    async with harness.bus.scope():
        dispatch("x")
    assert got["session"] == "session(conn)"
    assert got["session-thread"] != threading.get_ident()


async def number() -> int:
    return 7


class Settings:
    def __init__(self) -> None:
        self.name = "settings"


async def test_fastapi_depends_and_annotated(handler: LocalHandler, harness: Harness) -> None:
    fastapi = pytest.importorskip("fastapi")
    got: list[Any] = []

    @handler.register(event_name="a")
    async def with_fastapi(event: Event, n: int = fastapi.Depends(number)) -> None:
        got.append(("fastapi", n))

    @handler.register(event_name="a")
    async def with_annotated(event: Event, n: Annotated[int, Depends(number)]) -> None:
        got.append(("annotated", n))

    @handler.register(event_name="a")
    async def with_fastapi_annotated(
        event: Event, n: Annotated[int, FastAPIDepends(number)]
    ) -> None:
        got.append(("fastapi-annotated", n))

    async with harness.bus.scope():
        dispatch("a")
    assert got == [("fastapi", 7), ("annotated", 7), ("fastapi-annotated", 7)]


async def test_yield_dependencies_tear_down_after_the_handler(
    handler: LocalHandler, harness: Harness
) -> None:
    log: list[str] = []

    async def resource() -> AsyncIterator[str]:
        log.append("open async")
        try:
            yield "async-res"
        except Exception as exc:
            log.append(f"async saw {type(exc).__name__}")
            raise
        finally:
            log.append("close async")

    def sync_resource() -> Iterator[str]:
        log.append("open sync")
        yield "sync-res"
        log.append("close sync")

    @handler.register(event_name="ok")
    async def ok(event: Event, a: str = Depends(resource), s: str = Depends(sync_resource)) -> None:
        log.append(f"handler {a} {s}")

    @handler.register(event_name="fail")
    async def fail(event: Event, a: str = Depends(resource)) -> None:
        log.append("handler fails")
        raise KeyError("x")

    async with harness.bus.scope():
        dispatch("ok")
        dispatch("fail")
    assert log == [
        "open async",
        "open sync",
        "handler async-res sync-res",
        "close sync",
        "close async",
        "open async",
        "handler fails",
        "async saw KeyError",
        "close async",
    ]
    assert [f.event_names for f in harness.failures] == [("fail",)]


async def test_cache_per_handler_call(handler: LocalHandler, harness: Harness) -> None:
    calls = 0

    async def counter() -> int:
        nonlocal calls
        calls += 1
        return calls

    async def wants_counter(c: int = Depends(counter)) -> int:
        return c

    got: list[tuple[int, int, int]] = []

    @handler.register(event_name="c")
    async def cached(
        event: Event,
        a: int = Depends(counter),
        b: int = Depends(wants_counter),
        fresh: int = Depends(counter, use_cache=False),
    ) -> None:
        got.append((a, b, fresh))

    async with harness.bus.scope():
        dispatch("c")
        dispatch("c")
    assert got == [(1, 1, 2), (3, 3, 4)]


async def test_dependency_can_ask_for_the_event(handler: LocalHandler, harness: Harness) -> None:
    def user_id(event: Event) -> int:
        return int(event[1]["user_id"])

    async def named(event: Event) -> str:
        return event[0]

    got: list[Any] = []

    @handler.register(event_name="user.*")
    async def handle(uid: int = Depends(user_id), name: str = Depends(named)) -> None:
        got.append((uid, name))

    async with harness.bus.scope():
        dispatch("user.created", {"user_id": "5"})
    assert got == [(5, "user.created")]


async def test_overrides_apply_and_can_be_removed(handler: LocalHandler, harness: Harness) -> None:
    def real_db() -> str:
        return "real"

    async def fake_db() -> AsyncIterator[str]:
        yield "fake"

    got: list[str] = []

    @handler.register(event_name="q")
    async def query(event: Event, db: str = Depends(real_db)) -> None:
        got.append(db)

    handler.dependency_overrides[real_db] = fake_db
    async with harness.bus.scope():
        dispatch("q")
    handler.dependency_overrides.clear()
    async with harness.bus.scope():
        dispatch("q")
    assert got == ["fake", "real"]


async def test_depends_without_argument_uses_the_annotation(
    handler: LocalHandler, harness: Harness
) -> None:
    got: list[str] = []

    @handler.register(event_name="s")
    async def handle(event: Event, settings: Settings = Depends()) -> None:
        got.append(settings.name)

    async with harness.bus.scope():
        dispatch("s")
    assert got == ["settings"]


async def test_sync_handler_gets_dependencies(handler: LocalHandler, harness: Harness) -> None:
    async def value() -> str:
        return "v"

    got: list[str] = []

    @handler.register(event_name="s")
    def sync_handler(event: Event, v: str = Depends(value)) -> None:
        got.append(v)

    async with harness.bus.scope():
        dispatch("s")
    assert got == ["v"]
