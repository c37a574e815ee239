"""Publishing to Pub/Sub side by side with fastapi-events 0.12.2, against Google's emulator.

Usage: ``uv run python benchmarks/pubsub_run.py``. Starts the emulator on a free loopback port
(the Google Cloud SDK must be installed), runs ``pubsub_bench.py`` under both implementations
(the original with google-cloud-pubsub, and gcloud-aio-pubsub for the bench's own set-up), and
prints a Markdown table.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from run import ensure_original

HERE = Path(__file__).resolve().parent
EMULATOR = "platform/pubsub-emulator/bin/cloud-pubsub-emulator"


def start_emulator() -> tuple[subprocess.Popen[bytes], str]:
    sdk = subprocess.run(
        ["gcloud", "info", "--format=value(installation.sdk_root)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [str(Path(sdk) / EMULATOR), "--host=127.0.0.1", f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "JAVA_OPTS": "-Xmx512m"},
        start_new_session=True,
    )
    for _ in range(600):
        try:
            if b"Ok" in urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read():
                return process, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the Pub/Sub emulator did not start")


def run(python: str, host: str) -> dict[str, object]:
    env = {**os.environ, "PUBSUB_EMULATOR_HOST": host, "PYTHONPATH": str(HERE)}
    done = subprocess.run(
        [python, str(HERE / "pubsub_bench.py")], env=env, capture_output=True, text=True
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return dict(json.loads(done.stdout))


def main() -> None:
    original = ensure_original(extras="google")
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(original), "gcloud-aio-pubsub"],
        check=True,
    )
    emulator, host = start_emulator()
    try:
        ours = run(sys.executable, host)
        theirs = run(str(original), host)
    finally:
        os.killpg(emulator.pid, signal.SIGTERM)
    print("| | ours | fastapi-events 0.12.2 |")
    print("|---|---|---|")

    def cell(data: dict[str, object], group: str, key: str, fmt: str) -> str:
        if "error" in data:
            return f"failed: {data['error']}"
        return fmt.format(data[group][key])  # type: ignore[index]

    rows = [
        ("idle loop: largest stall", "idle", "max_ms", "{:.1f} ms"),
        ("publishing 2,000 events, 8 requests in flight: largest stall", "publish", "max_ms",
         "{:.1f} ms"),
        ("... share of 1 ms ticks late by over 1 ms", "publish", "late_share", "{:.0%}"),
        ("... throughput until all reached the subscription", "publish", "events_per_s",
         "{:,.0f} events/s"),
        ("... messages that reached the subscription", "publish", "delivered", "{:,.0f}"),
    ]  # fmt: skip
    for label, group, key, fmt in rows:
        print(f"| {label} | {cell(ours, group, key, fmt)} | {cell(theirs, group, key, fmt)} |")
    if "subscriber_events_per_s" in ours:
        rate = f"{ours['subscriber_events_per_s']:,.0f} events/s"
        print(f"| PubSubSubscriber: handled and acknowledged | {rate} | - |")


if __name__ == "__main__":
    main()
