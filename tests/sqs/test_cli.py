from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from asyncio.subprocess import PIPE, STDOUT
from pathlib import Path
from typing import Any

import pytest

from events_sqs.cli import load_object, main

from .conftest import make_queue

ROOT = Path(__file__).resolve().parents[2]


def test_help_describes_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--queue-url" in out
    assert "--handlers" in out


def test_bad_handler_spec_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--queue-url", "q", "--handlers", "no_such_module_xyz:handler"]) == 2
    assert "cannot import 'no_such_module_xyz'" in capsys.readouterr().err
    with pytest.raises(Exception, match="module:attribute"):
        load_object("just-a-name")


async def test_the_command_consumes_and_stops_on_sigterm(
    sqs: Any, sqs_endpoint: str, tmp_path: Path
) -> None:
    url = await make_queue(sqs, "cli")
    await sqs.send_message(QueueUrl=url, MessageBody=json.dumps(["from-cli", {"n": 1}]))
    output = tmp_path / "events.jsonl"
    env = {**os.environ, "CLI_TEST_OUTPUT": str(output), "PYTHONPATH": str(ROOT)}
    command = ["-m", "events_sqs", "--queue-url", url, "--endpoint-url", sqs_endpoint,
               "--region", "us-east-1", "--handlers", "tests.sqs.cli_handlers:handler",
               "--wait-time", "1"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, stdout=PIPE, stderr=STDOUT
    )
    try:
        for _ in range(200):
            if output.exists() and output.read_text():
                break
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        log, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, log.decode()
    assert output.read_text().splitlines() == ['["from-cli", {"n": 1}]']
    assert b"SQS consumer stopped" in log
