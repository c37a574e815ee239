"""``python -m events_pubsub``: run a Pub/Sub subscriber until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse

from events_core.cli import add_consumer_arguments, run_consumer

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
    return run_consumer(
        args,
        lambda handlers: PubSubSubscriber(
            args.project,
            args.subscription,
            handlers,
            concurrency=args.concurrency,
            pull_timeout=args.pull_timeout,
            shutdown_timeout=args.shutdown_timeout,
        ),
    )
