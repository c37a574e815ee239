"""SQS tests need aioboto3; the moto fixtures live in tests/sqs/fixtures.py."""

from __future__ import annotations

import pytest

pytest.importorskip("aioboto3")

from tests.sqs.fixtures import REGION, drain_queue, make_queue

__all__ = ["REGION", "drain_queue", "make_queue"]
