"""Handlers the SIGKILL test loads: each records that it started, then takes its time."""

from __future__ import annotations

import asyncio
import os

from events_core import Event
from events_local import LocalHandler

handler = LocalHandler()


@handler.register(event_name="*")
async def slow(event: Event) -> None:
    await asyncio.to_thread(_note, event[1])
    await asyncio.sleep(60)


def _note(value: object) -> None:
    with open(os.environ["STARTED_FILE"], "a", encoding="utf-8") as out:
        out.write(f"{value}\n")
