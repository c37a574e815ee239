"""SIGTERM to an app whose events cannot reach SQS: after a restart, the outbox delivers them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from events_core.outbox import SQLiteOutbox
from tests.proxy import FlakyProxy
from tests.servers import free_port

pytest.importorskip("aioboto3")

from tests.sqs.fixtures import make_queue

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 20


async def start_app(env: dict[str, str], log: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "tests.integration.apps.forwarding:app",
        "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "1",
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=log.open("ab"), stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{base}/health")).status_code == 200:
                    return process, base
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    tail = await asyncio.to_thread(log.read_text)
    raise RuntimeError(f"the app did not start:\n{tail[-2000:]}")


async def test_sigterm_then_restart_delivers_what_was_pending(
    sqs: Any, sqs_endpoint: str, tmp_path: Path
) -> None:
    url = await make_queue(sqs, "restart")
    target = urlsplit(sqs_endpoint)
    proxy = await FlakyProxy(target.hostname or "127.0.0.1", target.port or 80).start()
    proxy.cut()  # SQS is unreachable from the start
    env = {
        "SQS_URL": url,
        "SQS_ENDPOINT": f"http://{proxy.address}",
        "OUTBOX": str(tmp_path / "outbox.sqlite"),
    }
    log = tmp_path / "app.log"
    process, base = await start_app(env, log)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for number in range(REQUESTS):
            assert (await client.get(f"/order/{number}")).status_code == 200
    await asyncio.sleep(0.5)  # the forwarder is retrying
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal: -15 is its normal exit here
    assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)
    waiting = SQLiteOutbox(tmp_path / "outbox.sqlite")
    assert waiting.count_now() == REQUESTS * 5, log.read_text()[-2000:]
    waiting.close()

    proxy.restore()
    process, base = await start_app(env, log)  # lifespan startup re-sends what waits
    expected = {(n, i) for n in range(REQUESTS) for i in range(5)}
    received: set[tuple[int, int]] = set()
    for _ in range(300):
        response = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        for message in response.get("Messages", []):
            body = json.loads(message["Body"])[1]
            received.add((body["order"], body["item"]))
            await sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if received >= expected:
            break
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 30)
    await proxy.close()
    assert expected - received == set()
    assert SQLiteOutbox(tmp_path / "outbox.sqlite").count_now() == 0
