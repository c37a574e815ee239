"""A consumer killed (SIGKILL) in the middle of a batch: its unfinished messages come again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from events_local import LocalHandler
from tests.waiting import until

from .conftest import REGION, make_queue
from .test_consumer import consumer, queue_size

ROOT = Path(__file__).resolve().parents[2]


async def test_messages_of_a_killed_consumer_are_delivered_again(
    sqs: Any, sqs_endpoint: str, tmp_path: Path
) -> None:
    url = await make_queue(sqs, "killed", VisibilityTimeout="2")
    for n in range(5):
        await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["job", n]))
    started = tmp_path / "started.txt"
    env = {**os.environ, "STARTED_FILE": str(started), "PYTHONPATH": str(ROOT)}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "events_sqs", "--queue-url", url, "--endpoint-url", sqs_endpoint,
        "--region", REGION, "--handlers", "tests.sqs.slow_handlers:handler",
        "--wait-time", "1", "--concurrency", "5",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    def all_started() -> bool:
        return started.exists() and len(started.read_text().split()) == 5

    await until(all_started, 30)
    worker.send_signal(signal.SIGKILL)  # mid-batch: nothing settled, nothing handed back
    await worker.wait()

    again = LocalHandler()
    handled: list[Any] = []
    again.register(lambda event: handled.append(event[1]), event_name="job")
    replacement = consumer(url, sqs_endpoint, again)
    async with replacement.running():
        await until(lambda: replacement.stats.settled == 5, 30)
    assert sorted(handled) == [0, 1, 2, 3, 4]
    assert await queue_size(sqs, url) == 0
