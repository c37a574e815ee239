"""Google's Pub/Sub emulator for tests: one per session, on a free loopback port.

Loaded by the root conftest (``pytest_plugins``). Without the Google Cloud SDK the tests skip
(CI prints a warning); with the SDK but no emulator they fail when servers are required.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import REQUIRE, Server, free_port, http_ok, missing

PROJECT = "test-project"


def sdk_root() -> Path | None:
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        return None
    try:
        found = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    return Path(found) if found else Path(gcloud).resolve().parent.parent


@pytest.fixture(scope="session")
def pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = sdk_root()
    if root is None:
        # no Google Cloud SDK at all: skip even when servers are required (CI warns loudly)
        missing(
            "the Google Cloud SDK (gcloud)", "install it to run the Pub/Sub tests", required=False
        )
    binary = root / "platform" / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
    if not binary.exists():
        missing(
            "the Pub/Sub emulator",
            "gcloud components install pubsub-emulator (or apt-get install "
            "google-cloud-cli-pubsub-emulator)",
            required=REQUIRE,
        )
    logs = tmp_path_factory.mktemp("pubsub")
    for attempt in range(3):  # a port taken meanwhile shows as a BindException: try another
        port = free_port()
        log = logs / f"emulator-{attempt}.log"
        server = Server(
            [str(binary), "--host=127.0.0.1", f"--port={port}"], log, env={"JAVA_OPTS": "-Xmx512m"}
        )
        try:
            server.wait_until(
                lambda port=port: http_ok(f"http://127.0.0.1:{port}/", lambda b: b"Ok" in b),
                90,
                "the Pub/Sub emulator",
            )
        except RuntimeError:
            if "BindException" in log.read_text(errors="replace") and attempt < 2:
                continue
            raise
        yield f"127.0.0.1:{port}"
        server.stop()
        return


@pytest.fixture
def pubsub_host(pubsub_emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator's ``host:port``, set as ``PUBSUB_EMULATOR_HOST`` for the test."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator)
    return pubsub_emulator


def unique(prefix: str) -> str:
    """A topic or subscription id no other test uses (the emulator keeps state)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
