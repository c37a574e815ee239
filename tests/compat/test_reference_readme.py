"""Every code block of the original fastapi-events README, run unchanged on our packages.

The blocks live in ``reference/*.txt`` exactly as the README shows them (dedented).
``b03_litestar_app.txt`` is the Starlite block with Starlite's names replaced by Litestar's.
"""

from __future__ import annotations

import ast
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from events_core import Event, EventBus, HandlerFailure
from events_local import local_handler

BLOCKS = Path(__file__).parent / "reference"
ORIGINAL = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "fastapi-events-README.txt"
)


def source(name: str) -> str:
    return (BLOCKS / f"{name}.txt").read_text(encoding="utf-8")


def run(name: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a block as the body of a real module (frameworks look their handlers up there)."""
    module = types.ModuleType(f"reference_{name}")
    sys.modules[module.__name__] = module
    ns: dict[str, Any] = module.__dict__
    ns.update(namespace or {})
    exec(compile(source(name), f"<README block {name}>", "exec", dont_inherit=True), ns)
    return ns


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)


def record_all() -> Recorder:
    recorder = Recorder()
    local_handler.register(recorder.__call__, event_name="*")
    return recorder


@pytest.mark.skipif(not ORIGINAL.exists(), reason="the reference README is not beside the repo")
@pytest.mark.parametrize("path", sorted(BLOCKS.glob("b*.txt")), ids=lambda p: p.stem)
def test_blocks_are_the_readme_blocks(path: Path) -> None:
    original = {line.strip() for line in ORIGINAL.read_text(encoding="utf-8").splitlines()}
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    missing = [line for line in lines if line and line not in original]
    if path.stem == "b03_litestar_app":
        assert all("litestar" in line.lower() for line in missing)
    else:
        assert missing == []


def test_fastapi_block() -> None:
    ns = run("b01_fastapi_app")
    recorder = record_all()
    with TestClient(ns["app"], raise_server_exceptions=False) as client:
        client.get("/")  # the block's JSONResponse() lacks content: Starlette answers 500
    # the event was dispatched before the endpoint failed, and "always" still handles it
    assert recorder.events == [("my-fancy-event", {"id": 1})]


def test_starlette_block() -> None:
    from starlette.applications import Starlette

    if not hasattr(Starlette, "route"):
        pytest.skip("Starlette 1.0 removed the app.route decorator this block uses")
    ns = run("b02_starlette_app")
    recorder = record_all()
    with TestClient(ns["app"], raise_server_exceptions=False) as client:
        client.get("/")
    assert recorder.events == [("new event", {"id": 1})]


def test_starlite_block_on_litestar() -> None:
    pytest.importorskip("litestar")
    from litestar.testing import TestClient as LitestarClient

    ns = run("b03_litestar_app")
    recorder = record_all()
    with LitestarClient(app=ns["app"]) as client:
        assert client.get("/").text == "OK"
    assert recorder.events == [("new event", {"id": 1})]


async def test_dispatch_blocks_anywhere_in_code() -> None:
    recorder = record_all()
    bus = EventBus([local_handler])
    async with bus.scope():
        run("b04_dispatch_dict")
        run("b05_dispatch_model")
    cat = ("cat-requested-a-fish", {"cat_id": "fd375d23-b0c9-4271-a9e0-e028c4cd7230"})
    assert recorder.events[:2] == [cat, ("a_cat_is_spotted", None)]
    modelled, plain = recorder.events[2:]
    assert modelled[0] == plain[0] == cat[0]
    assert str(modelled[1]["cat_id"]) == plain[1]["cat_id"]


async def test_schema_blocks_statement_by_statement() -> None:
    import pydantic

    from fastapi_events.dispatcher import dispatch

    ns = run("b06_schema_registry")
    ns["dispatch"] = dispatch
    recorder = record_all()
    bus = EventBus([local_handler])
    code = source("b07_schema_validation")
    lines = code.splitlines()
    async with bus.scope():
        for statement in ast.parse(code).body:
            text = "\n".join(lines[statement.lineno - 1 : statement.end_lineno])
            compiled = compile(
                ast.Module([statement], []), "<README block b07>", "exec", dont_inherit=True
            )
            if "raises ValidationError" in text:
                with pytest.raises(pydantic.ValidationError):
                    exec(compiled, ns)
            else:
                exec(compiled, ns)
    events = ns["UserEvents"]
    # as in the original, handlers get the Enum member that was dispatched
    assert [e[0] for e in recorder.events] == [events.SIGNED_UP, events.ACTIVATED, "USER_SIGNED_UP"]
    assert recorder.events[0][1]["user_id"] == recorder.events[2][1]["user_id"]


async def test_local_handler_blocks() -> None:
    run("b08_local_handlers")
    assert [p for p, _ in local_handler.registrations] == ["cat*", "cat*", "*"]
    run("b09_dependencies")
    plan = local_handler.handlers_for("x")[-1]
    assert plan.children[0].func.__name__ == "get_db_session"
    assert plan.children[0].children[0].func.__name__ == "get_db_conn"
    failures: list[HandlerFailure] = []
    bus = EventBus([local_handler], on_error=failures.append)
    async with bus.scope():
        from fastapi_events.dispatcher import dispatch

        dispatch("cat_eats_a_fish", {"fish": 1})
    assert failures == []
    assert bus.stats.handled == 1


def test_sqs_block_builds_the_forwarder() -> None:
    pytest.importorskip("aioboto3")
    from fastapi import FastAPI

    from fastapi_events.handlers.aws import SQSForwardHandler
    from fastapi_events.middleware import EventHandlerASGIMiddleware

    ns = run(
        "b10_sqs_forwarder",
        {
            "FastAPI": FastAPI,
            "EventHandlerASGIMiddleware": EventHandlerASGIMiddleware,
            "SQSForwardHandler": SQSForwardHandler,
        },
    )
    (middleware,) = ns["app"].user_middleware
    (forwarder,) = middleware.kwargs["handlers"]
    assert isinstance(forwarder, SQSForwardHandler)
    assert forwarder.queue_url == "test-queue"  # a bare name: resolved with GetQueueUrl on use


async def test_custom_handler_block() -> None:
    ns = run("b11_custom_handler")
    handler = ns["MyOwnEventHandler"]()
    bus = EventBus([handler])
    async with bus.scope():
        from fastapi_events.dispatcher import dispatch

        dispatch("anything")
    assert bus.stats.handled == 1
    assert bus.stats.failed == 0


def test_middleware_id_block() -> None:
    ns = run("b12_middleware_id")
    recorder = record_all()
    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == {"detail": {"msg": "hello world"}}
        deadline = time.monotonic() + 3
        while not any(e[0] == "date" for e in recorder.events) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert ("hello", {"id": 1}) in recorder.events
    assert ("date", {"idx": 0}) in recorder.events
