"""SQS forwarding side by side with fastapi-events 0.12.2, against one local moto server.

Usage: ``uv run python benchmarks/sqs_run.py``. Starts ``moto_server`` on a free loopback port,
runs ``sqs_bench.py`` under both implementations, prints a Markdown table.
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


def pin(pid: int, *, server: bool) -> None:
    """On Linux with 2+ CPUs, keep moto on the last CPU and the measured process off it, so the
    server's load does not take the measured loop's CPU (moto is GIL-bound: one CPU is its
    ceiling anyway)."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) >= 2:
        os.sched_setaffinity(pid, {cpus[-1]} if server else set(cpus[:-1]))


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = str(Path(sys.executable).parent / "moto_server")
    process = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        # the benchmark empties its queue between rounds; real SQS allows a purge a minute
        env={**os.environ, "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"},
    )
    pin(process.pid, server=True)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1).read()
            return process, endpoint
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start")


def run(python: str, endpoint: str) -> dict[str, object]:
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE),
        "SQS_ENDPOINT": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    bench = subprocess.Popen(
        [python, str(HERE / "sqs_bench.py")], env=env, stdout=subprocess.PIPE, text=True
    )
    pin(bench.pid, server=False)
    out, _ = bench.communicate()
    if bench.returncode:
        raise RuntimeError(f"sqs_bench.py failed ({bench.returncode})")
    return dict(json.loads(out))


def main() -> None:
    original = ensure_original(extras="aws")
    moto, endpoint = start_moto()
    try:
        ours = run(sys.executable, endpoint)
        theirs = run(str(original), endpoint)
    finally:
        os.killpg(moto.pid, signal.SIGTERM)
    print("| | ours | fastapi-events 0.12.2 |")
    print("|---|---|---|")
    assert isinstance(ours["forward"], dict)
    assert isinstance(theirs["forward"], dict)
    rows = [
        ("idle loop: largest stall", "idle", "max_ms", "{:.1f} ms"),
        ("forwarding 2,000 events, 8 requests in flight: largest stall", "forward", "max_ms",
         "{:.1f} ms"),
        ("... share of 1 ms ticks late by over 1 ms", "forward", "late_share", "{:.0%}"),
        ("... forwarding throughput", "forward", "events_per_s", "{:,.0f} events/s"),
        ("... messages in the queue afterwards", "forward", "delivered", "{:,.0f}"),
    ]  # fmt: skip
    for label, group, key, fmt in rows:
        mine = ours[group][key]  # type: ignore[index]
        other = theirs[group][key]  # type: ignore[index]
        print(f"| {label} | {fmt.format(mine)} | {fmt.format(other)} |")
    print(
        f"| plain sequential boto3 send_message_batch, same run | "
        f"{ours['boto3_sequential_events_per_s']:,.0f} events/s | "
        f"{theirs['boto3_sequential_events_per_s']:,.0f} events/s |"
    )
    consumed = f"{ours['consumer_events_per_s']:,.0f} events/s"
    print(f"| SQSConsumer: handled and deleted | {consumed} | - |")


if __name__ == "__main__":
    main()
