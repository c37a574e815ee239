"""Fixtures shared by every test folder. Imports nothing beyond events-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from events_core import lookup, registry, reload_settings, set_dispatch_disabled

#: Server fixtures (moto, the Pub/Sub emulator), shared by transport and tracing tests.
pytest_plugins = ["tests.sqs.fixtures", "tests.pubsub.fixtures"]


@pytest.fixture(autouse=True)
def _isolate_events_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no buses, an empty schema registry and dispatching enabled."""
    monkeypatch.delenv("FASTAPI_EVENTS_DISABLE_DISPATCH", raising=False)
    set_dispatch_disabled(False)
    lookup._buses.clear()
    registry.clear()
    yield
    lookup._buses.clear()
    registry.clear()
    reload_settings()
