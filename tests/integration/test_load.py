"""uvicorn on loopback, 5,000 requests x 10 events from 50 concurrent clients: every event is
handled exactly once."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import Server, free_port, http_ok

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 5000
CLIENTS = 50


@pytest.fixture
def served_app(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    server = Server(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.integration.apps.counting:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        tmp_path / "uvicorn.log",
        env={"PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    server.wait_until(lambda: http_ok(f"{base}/stats"), 30, "uvicorn")
    yield base
    server.stop()


async def test_every_event_is_handled_exactly_once(served_app: str) -> None:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=served_app, limits=limits, timeout=30) as client:
        slots = asyncio.Semaphore(CLIENTS)

        async def one(number: int) -> None:
            async with slots:
                response = await client.get(f"/hit/{number}")
                assert response.status_code == 200

        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(REQUESTS))), 240)
        stats: dict[str, int] = {}
        for _ in range(100):  # handling happens after each response: let the last ones finish
            stats = (await client.get("/stats")).json()
            if stats["handled"] >= REQUESTS * 10:
                break
            await asyncio.sleep(0.05)
    assert stats == {"handled": REQUESTS * 10, "distinct": REQUESTS * 10, "most_per_event": 1}
