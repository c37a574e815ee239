"""Handlers the CLI test loads with ``--handlers tests.sqs.cli_handlers:handler``."""

from __future__ import annotations

import json
import os

from events_core import Event
from events_local import LocalHandler

handler = LocalHandler()


@handler.register(event_name="*")
def write_down(event: Event) -> None:
    with open(os.environ["CLI_TEST_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(json.dumps([event[0], event[1]]) + "\n")
