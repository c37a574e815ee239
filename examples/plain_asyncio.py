"""fastapi-events without ASGI: an EventBus in a plain asyncio program.

Run: ``uv run python examples/plain_asyncio.py``
"""

from __future__ import annotations

import asyncio
import logging

from events_core import EventBus, dispatch
from events_local import LocalHandler

handler = LocalHandler()
handled: list[str] = []


@handler.register(event_name="job.*")
async def on_job(event: tuple[str, object]) -> None:
    name, payload = event
    handled.append(name)
    print(f"handled {name} {payload}")
    if name == "job.finished":
        dispatch("report.requested", {"job": payload})  # chaining: goes to the bus


@handler.register(event_name="report.*")
async def on_report(event: tuple[str, object]) -> None:
    await asyncio.sleep(0.01)
    handled.append(event[0])
    print(f"handled {event[0]} (chained)")


async def worker(bus: EventBus, job_id: int) -> None:
    # A unit of work: its events are handed to the handlers when the scope ends.
    async with bus.scope():
        dispatch("job.started", {"id": job_id})
        await asyncio.sleep(0.01)
        dispatch("job.finished", {"id": job_id})


async def main() -> list[str]:
    logging.basicConfig(level=logging.WARNING)
    bus = EventBus(handlers=[handler])
    await asyncio.gather(worker(bus, 1), worker(bus, 2))
    # Outside any scope, dispatch() hands the event to the bus straight away.
    dispatch("job.audit", {"workers": 2})
    report = await bus.aclose(timeout=5)  # waits for chained and detached work
    print(f"closed: {report.pending} pending, stats {bus.stats}")
    return handled


if __name__ == "__main__":
    asyncio.run(main())
