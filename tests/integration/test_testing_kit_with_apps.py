"""The testing kit as users use it: a FastAPI app, TestClient, local handlers and overrides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from events_local import LocalHandler
from fastapi_events.dispatcher import dispatch
from fastapi_events.middleware import EventHandlerASGIMiddleware
from fastapi_events.testing import CapturedEvents, capture_events
from fastapi_events.typing import Event

handler = LocalHandler()
sent: list[str] = []


def mailer() -> Callable[[str], None]:
    return sent.append


@handler.register(event_name="user.created")
async def welcome(event: Event, send: Callable[[str], None] = Depends(mailer)) -> None:
    if event[1]["email"].endswith("@broken.example"):
        raise ValueError("cannot mail a broken address")
    send(event[1]["email"])


app = FastAPI()
app.add_middleware(EventHandlerASGIMiddleware, handlers=[handler])


@app.post("/users")
async def create_user(user: dict[str, Any]) -> dict[str, Any]:
    dispatch("user.created", {"id": 1, **user})
    dispatch("audit.logged", {"action": "create"})
    return user


@pytest.fixture
def client() -> Iterator[TestClient]:
    sent.clear()
    with TestClient(app) as test_client:
        yield test_client


def test_capture_with_the_app_running_normally(client: TestClient) -> None:
    with capture_events() as events:
        client.post("/users", json={"email": "ada@example.com"})
    events.assert_dispatched("user.created", payload_subset={"email": "ada@example.com"})
    events.assert_order("user.created", "audit.logged")
    assert sent == ["ada@example.com"]


def test_capture_with_handling_switched_off(client: TestClient) -> None:
    with capture_events(handle=False) as events:
        client.post("/users", json={"email": "ada@example.com"})
    assert sent == []
    events.handle(handler)  # now, synchronously, raising handler errors
    assert sent == ["ada@example.com"]


def test_failing_handler_fails_the_test(client: TestClient) -> None:
    with pytest.raises(ValueError, match="broken address"), capture_events(raise_errors=True):
        client.post("/users", json={"email": "x@broken.example"})


def test_fixture_captures(client: TestClient, captured_events: CapturedEvents) -> None:
    client.post("/users", json={"email": "b@example.com"})
    captured_events.assert_dispatched("audit.logged", {"action": "create"})


def test_local_handler_overrides_fixture(
    client: TestClient, local_handler_overrides: dict[Any, Any]
) -> None:
    from events_local import local_handler

    local_handler_overrides[mailer] = lambda: print
    assert local_handler.dependency_overrides[mailer] is not None


def test_overrides_are_undone_after_the_test() -> None:
    from events_local import local_handler

    assert mailer not in local_handler.dependency_overrides


def test_events_disabled_fixture(client: TestClient, events_disabled: None) -> None:
    with capture_events() as events:
        client.post("/users", json={"email": "c@example.com"})
    assert events.count() == 0
    assert sent == []
