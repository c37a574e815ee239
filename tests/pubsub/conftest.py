"""Pub/Sub tests need gcloud-aio-pubsub (Python 3.11+ for version 8)."""

from __future__ import annotations

import pytest

pytest.importorskip("gcloud.aio.pubsub")
