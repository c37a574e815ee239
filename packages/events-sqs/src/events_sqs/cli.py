"""``python -m events_sqs``: run an SQS consumer until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
from typing import Any

from events_core.cli import add_consumer_arguments, load_object, run_consumer

from .consumer import SQSConsumer

__all__ = ["load_object", "main"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m events_sqs",
        description="Consume events from an SQS queue and hand them to local handlers.",
    )
    p.add_argument("--queue-url", required=True, help="queue URL (or a bare queue name)")
    p.add_argument("--region", default=None, help="AWS region (default: the environment's)")
    p.add_argument("--endpoint-url", default=None, help="SQS endpoint, e.g. a local server")
    p.add_argument("--wait-time", type=int, default=20, help="long-polling seconds (0-20)")
    add_consumer_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    kwargs: dict[str, Any] = {"endpoint_url": args.endpoint_url} if args.endpoint_url else {}
    return run_consumer(
        args,
        lambda handlers: SQSConsumer(
            args.queue_url,
            handlers,
            region_name=args.region,
            concurrency=args.concurrency,
            wait_time_seconds=args.wait_time,
            shutdown_timeout=args.shutdown_timeout,
            **kwargs,
        ),
    )
