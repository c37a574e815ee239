"""Run benchmarks/bench.py under our packages and under fastapi-events 0.12.2, side by side.

Usage: ``uv run python benchmarks/run.py [--markdown]``

The original is installed from PyPI into ``benchmarks/.envs/original`` (created on first use,
with the same FastAPI and pydantic versions as our environment). Both run on this machine in one
go, and every ratio compares figures of the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORIGINAL_ENV = HERE / ".envs" / "original"
ORIGINAL = "fastapi-events==0.12.2"


def ensure_original(extras: str = "") -> Path:
    python = ORIGINAL_ENV / "bin" / "python"
    if not python.exists():
        subprocess.run(
            ["uv", "venv", "--quiet", "--python", sys.executable, str(ORIGINAL_ENV)], check=True
        )
    package = ORIGINAL.replace("==", f"[{extras}]==") if extras else ORIGINAL
    same = ("fastapi", "pydantic", "uvicorn", "opentelemetry-api", "opentelemetry-sdk")
    pins = [package, *(f"{name}=={version(name)}" for name in same)]
    subprocess.run(["uv", "pip", "install", "--quiet", "--python", str(python), *pins], check=True)
    return python


def measure(python: str) -> dict[str, float]:
    out = subprocess.run(
        [python, str(HERE / "bench.py")], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def table(ours: dict[str, float], orig: dict[str, float]) -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []

    def own_ratio(label: str, key: str, base: str, target: str) -> None:
        rows.append(
            (
                label,
                f"{us(ours[key])} = {ours[key] / ours[base]:.2f}x",
                f"{us(orig[key])} = {orig[key] / orig[base]:.2f}x",
                f"{ours[key] / orig[key]:.3f}x",
                target,
            )
        )

    own_ratio(
        "dispatch() in a request, vs deque.append",
        "dispatch.in_request",
        "deque.append",
        "≤ 10x append, ≤ 0.15x original",
    )
    own_ratio(
        "request, middleware, no event, vs bare app", "request.mw.0", "request.bare", "≤ 1.05x bare"
    )
    own_ratio(
        "time until response sent, 1 event, vs bare", "sent.local.1", "sent.bare", "≤ 1.05x bare"
    )
    own_ratio(
        "whole request, 1 event, 1 async local handler, vs bare",
        "request.local.1",
        "request.bare",
        "≤ 1.15x bare",
    )
    extra_ours = (ours["request.local.10"] - ours["request.local.1"]) / 9
    extra_orig = (orig["request.local.10"] - orig["request.local.1"]) / 9
    rows.append(
        (
            "each extra event in a request",
            us(extra_ours),
            us(extra_orig),
            f"{extra_ours / extra_orig:.3f}x",
            "≤ 2 µs",
        )
    )
    own_ratio(
        "LocalHandler: 1 event, 1 async handler, vs direct await",
        "local.one_async",
        "await.direct",
        "≤ 0.1x original",
    )
    own_ratio(
        "LocalHandler: 1000 non-matching patterns + 1, vs 1 pattern",
        "local.1000_patterns",
        "local.one_async",
        "≤ 1.5x our 1 pattern",
    )
    own_ratio(
        "LocalHandler: handler with two async dependencies, vs direct await",
        "local.two_async_deps",
        "await.direct",
        "≤ 0.25x original",
    )
    own_ratio(
        "LocalHandler: sync handler, vs bare run_in_executor hop",
        "local.sync",
        "executor.hop",
        "≤ 1.2x hop",
    )
    if "dispatch.otel_sdk" in ours and "dispatch.otel_sdk" in orig:
        api = ours["dispatch.otel_api_only"] / ours["dispatch.otel_absent"]
        rows.append(
            (
                "dispatch(): OpenTelemetry API installed, no SDK, vs without OpenTelemetry",
                f"{us(ours['dispatch.otel_api_only'])} = {api:.2f}x",
                f"{us(orig['dispatch.otel_api_only'])}",
                f"{ours['dispatch.otel_api_only'] / orig['dispatch.otel_api_only']:.3f}x",
                "≤ 1.2x our cost without OTel",
            )
        )
        rows.append(
            (
                "dispatch(): with an OpenTelemetry SDK configured",
                us(ours["dispatch.otel_sdk"]),
                us(orig["dispatch.otel_sdk"]),
                f"{ours['dispatch.otel_sdk'] / orig['dispatch.otel_sdk']:.3f}x",
                "≤ 0.5x original",
            )
        )
    lines = [
        "| case | ours | fastapi-events 0.12.2 | ours / original | target |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    if "fast_depends.two_async_deps" in ours:
        fd = ours["fast_depends.two_async_deps"]
        mine = ours["local.two_async_deps"]
        lines += [
            "",
            f"fast-depends `@inject` with two async dependencies: {us(fd)} per call, "
            f"{fd / mine:.1f}x our resolver's {us(mine)}.",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    original = ensure_original()
    ours = measure(sys.executable)
    orig = measure(str(original))
    print("\n".join(table(ours, orig)))
    if args.json:
        args.json.write_text(json.dumps({"ours": ours, "original": orig}, indent=2))


if __name__ == "__main__":
    main()
