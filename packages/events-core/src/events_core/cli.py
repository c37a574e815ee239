"""Pieces shared by the consumers' command lines (``python -m events_sqs``, ...)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any, Protocol

from .errors import ConfigurationError

__all__ = ["add_consumer_arguments", "configure_logging", "load_object", "run_consumer", "serve"]


class _Stoppable(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


def load_object(spec: str) -> Any:
    """Import ``"package.module:attribute"`` (e.g. ``myapp.events:local_handler``)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"--handlers takes module:attribute, got {spec!r}")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import {module_name!r} for --handlers: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigurationError(f"{module_name!r} has no attribute {attribute!r}") from None
    return target


def add_consumer_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every consumer command takes: handlers, concurrency, timeouts, logging."""
    parser.add_argument(
        "--handlers",
        action="append",
        required=True,
        metavar="MODULE:ATTR",
        help="a handler to deliver to, e.g. myapp.events:local_handler (repeatable)",
    )
    parser.add_argument("--concurrency", type=int, default=10, help="messages handled at once")
    parser.add_argument("--shutdown-timeout", type=float, default=30.0, help="seconds to finish")
    parser.add_argument("--log-level", default="INFO", help="logging level")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


async def _serve(consumer: _Stoppable) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, consumer.stop)
    await consumer.run()


def serve(consumer: _Stoppable) -> None:
    """Run ``consumer`` until SIGINT or SIGTERM, then let it stop gracefully."""
    asyncio.run(_serve(consumer))


def run_consumer(args: argparse.Namespace, build: Callable[[list[Any]], _Stoppable]) -> int:
    """The body of a consumer command: logging, handlers, ``build(handlers)``, run until a
    signal. A configuration mistake prints ``error: ...`` and returns 2."""
    configure_logging(args.log_level)
    try:
        consumer = build([load_object(spec) for spec in args.handlers])
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve(consumer)
    return 0
