"""Local handlers: patterns, sync and async functions, dependencies, models and overrides.

Run: ``uv run python examples/local_handlers.py``
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from enum import Enum
from typing import Annotated

from pydantic import BaseModel

from events_core import EventBus, HandlerFailure, dispatch, name_of
from events_local import Depends, LocalHandler

handler = LocalHandler(max_concurrency=10)  # at most 10 events handled at once
log: list[str] = []


class UserEvents(Enum):
    SIGNED_UP = "user.signed_up"


class SignUp(BaseModel):
    user_id: int
    email: str


# -- dependencies ---------------------------------------------------------------------------


class Database:
    def __init__(self, name: str) -> None:
        self.name = name


async def get_db() -> AsyncIterator[Database]:
    db = Database("primary")
    log.append("db opened")
    yield db  # teardown below runs after the handler, also if it raised
    log.append("db closed")


def get_settings() -> dict[str, str]:  # sync: runs in a worker thread
    return {"sender": "noreply@example.com"}


def get_mailer(settings: dict[str, str] = Depends(get_settings)) -> Iterator[str]:
    yield f"mailer({settings['sender']})"


# -- handlers -------------------------------------------------------------------------------


@handler.register(event_name=UserEvents.SIGNED_UP)
async def welcome(
    user: SignUp,  # the payload, validated into the model
    db: Annotated[Database, Depends(get_db)],
    mailer: str = Depends(get_mailer),
) -> None:
    log.append(f"welcome {user.email} via {mailer} using {db.name}")


@handler.register(event_name="user.*")
def count_user_events(event: tuple[str, object]) -> None:  # sync: runs in a thread
    log.append(f"counted {name_of(event)}")  # the str name, also for Enum members


@handler.register(event_name="user.deleted")
async def fragile(event: tuple[str, object]) -> None:
    raise RuntimeError("this handler fails; the others still run")


async def main() -> list[str]:
    failures: list[HandlerFailure] = []
    bus = EventBus([handler], on_error=failures.append)
    async with bus.scope():
        dispatch(UserEvents.SIGNED_UP, {"user_id": 1, "email": "ada@example.com"})
        dispatch("user.deleted", {"user_id": 2})

    # Overrides, e.g. in tests: swap a dependency without touching the handler.
    async def fake_db() -> Database:
        return Database("fake")

    handler.dependency_overrides[get_db] = fake_db
    async with bus.scope():
        dispatch(UserEvents.SIGNED_UP, {"user_id": 3, "email": "bob@example.com"})
    handler.dependency_overrides.clear()
    await bus.aclose()

    for line in log:
        print(line)
    for failure in failures:
        print(f"reported: {failure}")
    return log


if __name__ == "__main__":
    asyncio.run(main())
