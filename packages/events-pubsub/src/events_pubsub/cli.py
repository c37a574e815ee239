"""``python -m events_pubsub``: run a Pub/Sub subscriber until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import sys

from events_core import ConfigurationError
from events_core.cli import add_consumer_arguments, configure_logging, load_object, serve

from .subscriber import PubSubSubscriber

__all__ = ["main"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m events_pubsub",
        description="Consume events from a Pub/Sub subscription and hand them to local handlers.",
    )
    p.add_argument("--project", required=True, help="Google Cloud project id")
    p.add_argument("--subscription", required=True, help="subscription id")
    p.add_argument("--pull-timeout", type=int, default=10, help="seconds a pull waits")
    add_consumer_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        subscriber = PubSubSubscriber(
            args.project,
            args.subscription,
            [load_object(spec) for spec in args.handlers],
            concurrency=args.concurrency,
            pull_timeout=args.pull_timeout,
            shutdown_timeout=args.shutdown_timeout,
        )
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve(subscriber)
    return 0
