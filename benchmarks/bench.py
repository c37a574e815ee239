"""Micro and request benchmarks, run unchanged under our packages or fastapi-events 0.12.2.

Both implementations provide the ``fastapi_events.*`` import paths, so this one file measures
either, depending on the interpreter that runs it. It prints one JSON object: seconds per
operation for each case (the best of several rounds). ``benchmarks/run.py`` runs it under both
and computes the ratios.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse

from fastapi_events.dispatcher import dispatch
from fastapi_events.handlers.base import BaseEventHandler
from fastapi_events.handlers.local import LocalHandler
from fastapi_events.middleware import EventHandlerASGIMiddleware

ROUNDS = 7
ROUND_SECONDS = 0.15  # each round runs about this long, whatever one operation costs
Result = dict[str, float]


def best(samples: list[float]) -> float:
    return min(samples)


def iterations(seconds_per_op: float, most: int) -> int:
    """How many operations make one round of about ``ROUND_SECONDS``."""
    return max(20, min(most, int(ROUND_SECONDS / max(seconds_per_op, 1e-9))))


class Discard(BaseEventHandler):
    async def handle(self, event: Any) -> None:
        return None

    async def handle_many(self, events: Any) -> None:
        return None


# -- an in-process ASGI client ----------------------------------------------------------------

SCOPE_TEMPLATE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"bench")],
    "client": ("127.0.0.1", 1),
    "server": ("127.0.0.1", 80),
}


async def call(app: Any, path: str, marks: list[float] | None = None) -> None:
    """One GET; when ``marks`` is given, append the moment the response body went out."""
    scope = dict(SCOPE_TEMPLATE, path=path, raw_path=path.encode(), state={})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if marks is not None and message["type"] == "http.response.body":
            marks.append(time.perf_counter())

    await app(scope, receive, send)


def build_app(with_middleware: bool, handler: Any = None) -> FastAPI:
    """The same routes with or without the middleware; the bare app does not dispatch."""
    app = FastAPI()
    if with_middleware:
        app.add_middleware(EventHandlerASGIMiddleware, handlers=[handler or Discard()])
    emit = dispatch if with_middleware else (lambda name, payload: None)

    @app.get("/")
    async def bare() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/one")
    async def one() -> PlainTextResponse:
        emit("bench-event", {"id": 1})
        return PlainTextResponse("ok")

    @app.get("/ten")
    async def ten() -> PlainTextResponse:
        for i in range(10):
            emit("bench-event", {"id": i})
        return PlainTextResponse("ok")

    return app


async def one_request(app: Any, path: str) -> float:
    await call(app, path)
    return 0.0


async def one_until_sent(app: Any, path: str) -> float:
    marks: list[float] = []
    start = time.perf_counter()
    await call(app, path, marks)
    return marks[-1] - start


async def interleaved(
    cases: dict[str, tuple[Any, str]],
    probe: Callable[[Any, str], Awaitable[float]],
    most: int,
) -> Result:
    """Per-request seconds of each case; rounds alternate between cases to cancel drift.

    With ``one_request`` a round's wall time is divided by its requests; with
    ``one_until_sent`` the probe's own figure (start to response sent) is averaged.
    """
    sizes: dict[str, int] = {}
    for key, (app, path) in cases.items():
        start = time.perf_counter()
        for _ in range(50):  # warm up, and size the rounds
            await call(app, path)
        sizes[key] = iterations((time.perf_counter() - start) / 50, most)
    samples: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(ROUNDS):
        for key, (app, path) in cases.items():
            n = sizes[key]
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            measured = 0.0
            for _ in range(n):
                measured += await probe(app, path)
            wall = time.perf_counter() - start
            gc.enable()
            samples[key].append((measured or wall) / n)
    return {key: best(values) for key, values in samples.items()}


async def requests(result: Result) -> None:
    local = LocalHandler()

    @local.register(event_name="bench-event")
    async def on_event(event: Any) -> None:
        return None

    bare = build_app(False)
    discard = build_app(True)
    app = build_app(True, local)
    whole = {
        "request.bare": (bare, "/"),
        "request.bare.one": (bare, "/one"),
        "request.mw.0": (discard, "/"),
        "request.local.1": (app, "/one"),
        "request.local.10": (app, "/ten"),
    }
    result.update(await interleaved(whole, one_request, 5000))
    sent = {"sent.bare": (bare, "/one"), "sent.local.1": (app, "/one")}
    result.update(await interleaved(sent, one_until_sent, 5000))


# -- dispatch() inside a request ----------------------------------------------------------------


async def dispatch_cost(result: Result, key: str = "dispatch.in_request") -> None:
    n = 20000
    timings: dict[str, list[float]] = {"dispatch": [], "append": []}
    app = FastAPI()
    app.add_middleware(EventHandlerASGIMiddleware, handlers=[Discard()])

    @app.get("/")
    async def measure() -> PlainTextResponse:
        payload = {"id": 1}
        gc.disable()
        start = time.perf_counter()
        for _ in range(n):
            dispatch("bench-event", payload)
        timings["dispatch"].append((time.perf_counter() - start) / n)
        queue: deque[Any] = deque()
        start = time.perf_counter()
        for _ in range(n):
            queue.append(("bench-event", payload))
        timings["append"].append((time.perf_counter() - start) / n)
        gc.enable()
        return PlainTextResponse("ok")

    for _ in range(ROUNDS):
        await call(app, "/")
    result[key] = best(timings["dispatch"])
    result.setdefault("deque.append", best(timings["append"]))


# -- LocalHandler ----------------------------------------------------------------------------------


async def loop_cost(fn: Callable[[], Awaitable[Any]], n: int) -> float:
    start = time.perf_counter()
    for _ in range(50):
        await fn()
    n = iterations((time.perf_counter() - start) / 50, n)
    samples = []
    for _ in range(ROUNDS):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        samples.append((time.perf_counter() - start) / n)
        gc.enable()
    return best(samples)


async def local_handler_costs(result: Result) -> None:
    event = ("bench-event", {"id": 1})

    async def noop(event: Any) -> None:
        return None

    result["await.direct"] = await loop_cost(lambda: noop(event), 20000)

    one = LocalHandler()
    one.register(noop, event_name="bench-event")
    result["local.one_async"] = await loop_cost(lambda: one.handle(event), 20000)

    many = LocalHandler()
    for i in range(1000):
        many.register(noop, event_name=f"other-{i}-*")
    many.register(noop, event_name="bench-*")
    result["local.1000_patterns"] = await loop_cost(lambda: many.handle(event), 5000)

    async def dep_a() -> int:
        return 1

    async def dep_b() -> int:
        return 2

    async def with_deps(event: Any, a: int = Depends(dep_a), b: int = Depends(dep_b)) -> None:
        return None

    deps = LocalHandler()
    deps.register(with_deps, event_name="bench-event")
    result["local.two_async_deps"] = await loop_cost(lambda: deps.handle(event), 10000)

    def sync_noop(event: Any) -> None:
        return None

    loop = asyncio.get_running_loop()
    result["executor.hop"] = await loop_cost(
        lambda: loop.run_in_executor(None, sync_noop, event), 3000
    )
    sync = LocalHandler()
    sync.register(sync_noop, event_name="bench-event")
    result["local.sync"] = await loop_cost(lambda: sync.handle(event), 3000)


async def fast_depends_cost(result: Result) -> None:
    """fast-depends, evaluated as the resolver of events-local (our environment only)."""
    try:
        from fast_depends import Depends as FDDepends
        from fast_depends import inject
    except ImportError:
        return

    async def dep_a() -> int:
        return 1

    async def dep_b() -> int:
        return 2

    @inject  # type: ignore[misc]
    async def handler(event: Any, a: int = FDDepends(dep_a), b: int = FDDepends(dep_b)) -> None:
        return None

    event = ("bench-event", {"id": 1})
    result["fast_depends.two_async_deps"] = await loop_cost(lambda: handler(event), 10000)


async def otel_costs(result: Result) -> None:
    """dispatch() without OpenTelemetry, with the API only, and with an SDK configured.

    Last, since a process can set its tracer provider once. The SDK has no span processor:
    spans are made and dropped, so exporting costs nobody anything here.
    """
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
    except ImportError:
        return
    try:
        import events_otel
    except ImportError:  # the original: the API is there (FastAPI brings it), so is its OTel path
        events_otel = None
    if events_otel is not None:
        events_otel.uninstrument()
        await dispatch_cost(result, "dispatch.otel_absent")
        events_otel.instrument()
    await dispatch_cost(result, "dispatch.otel_api_only")
    trace.set_tracer_provider(TracerProvider())
    await dispatch_cost(result, "dispatch.otel_sdk")


async def main() -> None:
    result: Result = {}
    await dispatch_cost(result)
    await requests(result)
    await local_handler_costs(result)
    await fast_depends_cost(result)
    await otel_costs(result)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
