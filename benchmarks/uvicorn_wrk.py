"""Requests per second and p99 latency under uvicorn and wrk, ours and the original's.

Usage: ``uv run python benchmarks/uvicorn_wrk.py [--seconds 5]`` (needs ``apt-get install wrk``).

For each implementation, one uvicorn worker serves ``served_app.py`` on a free loopback port,
bare and with the middleware plus one local handler, one event per request; wrk drives it with
2 and 16 connections. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from run import ensure_original

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(python: str, kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, BENCH_APP=kind, PYTHONPATH=str(HERE))
    cmd = [python, "-m", "uvicorn", "served_app:app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=HERE, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/one", timeout=1).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"uvicorn ({kind}) did not start on port {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wrk(port: int, connections: int, seconds: int) -> tuple[float, float]:
    url = f"http://127.0.0.1:{port}/one"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", done.stdout)
    if rps is None or p99 is None:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}")
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return float(rps.group(1)), float(p99.group(1)) * scale


COLUMNS = ["implementation", "connections", "bare req/s", "events req/s", "ratio",
           "bare p99", "events p99", "p99 ratio"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    pythons = {"ours": sys.executable, "fastapi-events 0.12.2": str(ensure_original())}
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for label, python in pythons.items():
        for connections in (2, 16):
            figures = {}
            for kind in ("bare", "events"):
                proc, port = serve(python, kind)
                try:
                    wrk(port, connections, 1)  # warm up
                    figures[kind] = wrk(port, connections, args.seconds)
                finally:
                    stop(proc)
            (b_rps, b_p99), (e_rps, e_p99) = figures["bare"], figures["events"]
            cells = [label, str(connections), f"{b_rps:,.0f}", f"{e_rps:,.0f}",
                     f"{e_rps / b_rps:.2f}x", f"{b_p99:.2f} ms", f"{e_p99:.2f} ms",
                     f"{e_p99 / b_p99:.2f}x"]  # fmt: skip
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
