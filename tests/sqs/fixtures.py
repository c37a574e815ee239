"""moto's standalone server for tests: one per session, reset before each test.

Loaded by the root conftest (``pytest_plugins``), so that SQS and tracing tests share it; it
imports aioboto3 only inside the fixtures.
"""

from __future__ import annotations

import shutil
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Server, free_port, http_ok, missing

REGION = "us-east-1"


def moto_binary() -> str | None:
    beside = Path(sys.executable).parent / "moto_server"
    return str(beside) if beside.exists() else shutil.which("moto_server")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = moto_binary()
    if binary is None:
        missing("moto_server", "install the dev group (uv sync), which brings moto[server]")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = Server([str(binary), "-H", "127.0.0.1", "-p", str(port)], log)
    endpoint = f"http://127.0.0.1:{port}"
    server.wait_until(lambda: http_ok(f"{endpoint}/moto-api/data.json"), 30, "moto_server")
    yield endpoint
    server.stop()


@pytest.fixture
def sqs_endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A freshly reset moto server, with dummy credentials and no metadata lookups."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=5).read()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    return moto_endpoint


@pytest.fixture
async def sqs(sqs_endpoint: str) -> AsyncIterator[Any]:
    """An aioboto3 SQS client for the test's own set-up and checks."""
    aioboto3 = pytest.importorskip("aioboto3")

    async with aioboto3.Session().client(
        "sqs", region_name=REGION, endpoint_url=sqs_endpoint
    ) as client:
        yield client


async def make_queue(sqs: Any, name: str, **attributes: str) -> str:
    created = await sqs.create_queue(QueueName=name, Attributes=attributes)
    return str(created["QueueUrl"])


async def drain_queue(
    sqs: Any, url: str, *, expect: int, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Receive (and delete) until ``expect`` messages came or ``timeout`` passed."""
    import asyncio

    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(got) < expect and loop.time() < deadline:
        response = await sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        got.extend(messages)
        for message in messages:
            await sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if not messages:
            await asyncio.sleep(0.05)
    return got
