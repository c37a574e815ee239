"""The reference README's FastAPI example, with local handlers that print what they receive."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.requests import Request
from fastapi.responses import JSONResponse

from fastapi_events.dispatcher import dispatch
from fastapi_events.handlers.local import local_handler
from fastapi_events.middleware import EventHandlerASGIMiddleware
from fastapi_events.typing import Event

app = FastAPI()
app.add_middleware(EventHandlerASGIMiddleware, handlers=[local_handler])


@app.get("/")
def index(request: Request) -> JSONResponse:
    dispatch("my-fancy-event", payload={"id": 1})  # Emit events anywhere in your code
    return JSONResponse({"hello": "world"})


@app.post("/cats/{cat_id}/fish")
async def feed_cat(cat_id: int) -> dict[str, Any]:
    dispatch("cat-requested-a-fish", payload={"cat_id": cat_id})
    dispatch("cat-ate-a-fish", payload={"cat_id": cat_id, "fish": "salmon"})
    return {"fed": cat_id}


def get_greeting() -> str:
    return "meow"


@local_handler.register(event_name="cat*")
async def handle_cat_events(event: Event, greeting: str = Depends(get_greeting)) -> None:
    event_name, payload = event
    print(f"    cat handler  got {event_name!r} {payload} ({greeting})")


@local_handler.register(event_name="*")
def audit_every_event(event: Event) -> None:
    event_name, payload = event
    print(f"    audit (sync) got {event_name!r} {payload}")
