"""A durable outbox for forwarders: SQLite (standard library) in a thread, no server needed.

Events a forwarder could not deliver within its retry budget, or still pending at shutdown, are
stored here with their event id, and re-sent in the background, oldest first, once the broker
answers again; a forwarder started on the same file re-sends what an earlier process left.
Payloads are stored as JSON (values JSON cannot encode become strings, as on the wire).

``python -m events_core.outbox PATH`` shows what is stored; ``--replay myapp.events:forwarder``
sends it now through that forwarder (whose ``outbox`` must be this file).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .codec import json_default
from .types import Envelope, Event, envelope_of, name_of

__all__ = ["SQLiteOutbox"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    headers TEXT NOT NULL,
    dispatched_at REAL NOT NULL,
    stored_at REAL NOT NULL
)
"""


class SQLiteOutbox:
    """Events waiting to be forwarded, in a SQLite file at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SQLiteOutbox({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            self._connection = connection
        return self._connection

    # -- synchronous, run in a thread by the async methods ---------------------------------

    def store_now(self, events: Sequence[Event]) -> int:
        """Store ``events`` (an id already stored is kept once); return how many are new."""
        rows = []
        now = time.time()
        for event in events:
            envelope = envelope_of(event)
            rows.append(
                (
                    envelope.id,
                    name_of(envelope),
                    json.dumps(envelope[1], default=json_default),
                    json.dumps(envelope.headers),
                    envelope.timestamp,
                    now,
                )
            )
        with self._lock:
            connection = self._connect()
            before = connection.total_changes
            connection.executemany(
                "INSERT OR IGNORE INTO outbox"
                " (event_id, name, payload, headers, dispatched_at, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            return connection.total_changes - before

    def oldest_now(self, limit: int) -> list[Envelope]:
        """Up to ``limit`` stored events, oldest first, with their original ids."""
        with self._lock:
            rows = (
                self._connect()
                .execute(
                    "SELECT event_id, name, payload, headers, dispatched_at FROM outbox"
                    " ORDER BY seq LIMIT ?",
                    (limit,),
                )
                .fetchall()
            )
        return [
            Envelope(name, json.loads(payload), id=event_id, timestamp=at, headers=json.loads(h))
            for event_id, name, payload, h, at in rows
        ]

    def remove_now(self, event_ids: Sequence[str]) -> None:
        """Forget the events with these ids (delivered)."""
        with self._lock:
            self._connect().executemany(
                "DELETE FROM outbox WHERE event_id = ?", [(i,) for i in event_ids]
            )

    def count_now(self) -> int:
        with self._lock:
            row = self._connect().execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- async, for the event loop ----------------------------------------------------------

    async def store(self, events: Sequence[Event]) -> int:
        return await asyncio.to_thread(self.store_now, list(events))

    async def oldest(self, limit: int) -> list[Envelope]:
        return await asyncio.to_thread(self.oldest_now, limit)

    async def remove(self, event_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.remove_now, list(event_ids))

    async def count(self) -> int:
        return await asyncio.to_thread(self.count_now)


async def _replay(forwarder: Any) -> int:
    delivered = 0
    while True:
        sent = int(await forwarder.replay_outbox())
        delivered += sent
        if not sent:
            break
    await forwarder.aclose()
    return delivered


def main(argv: list[str] | None = None) -> int:
    """``python -m events_core.outbox PATH [--limit N] [--replay MODULE:ATTR]``: what an outbox
    holds, oldest first; with ``--replay``, send it now through that forwarder."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m events_core.outbox", description=main.__doc__)
    parser.add_argument("path", help="the outbox file (the forwarder's outbox= argument)")
    parser.add_argument("--limit", type=int, default=20, help="events to list (default 20)")
    parser.add_argument(
        "--replay", metavar="MODULE:ATTR", help="a forwarder to send the stored events with"
    )
    args = parser.parse_args(argv)
    if not Path(args.path).exists():
        print(f"no outbox at {args.path}", file=sys.stderr)
        return 1
    if args.replay:
        from .cli import load_object

        forwarder = load_object(args.replay)
        outbox = getattr(forwarder, "outbox", None)
        if outbox is None or Path(outbox.path).resolve() != Path(args.path).resolve():
            print(f"{args.replay} does not use the outbox {args.path}", file=sys.stderr)
            return 2
        delivered = asyncio.run(_replay(forwarder))
        print(f"{delivered} event(s) re-sent from {args.path}")
    outbox = SQLiteOutbox(args.path)
    print(f"{outbox.count_now()} event(s) waiting in {args.path}")
    for event in outbox.oldest_now(args.limit):
        print(f"  {event.id}  {event.name}  {json.dumps(event.payload, default=str)[:80]}")
    outbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
