"""pytest fixtures for code that dispatches events (loaded through the ``pytest11`` entry point).

- ``captured_events``: the events dispatched during the test (handled as usual);
- ``events_disabled``: ``dispatch()`` does nothing during the test;
- ``handler_errors_raise``: handler errors raise during the test, so they fail it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import testing


@pytest.fixture
def captured_events() -> Iterator[testing.CapturedEvents]:
    """The events dispatched during the test; assert with ``captured_events.assert_dispatched``."""
    with testing.capture_events() as events:
        yield events


@pytest.fixture
def events_disabled() -> Iterator[None]:
    """Disable ``dispatch()`` for the test (as ``FASTAPI_EVENTS_DISABLE_DISPATCH=1`` would)."""
    with testing.dispatch_disabled():
        yield


@pytest.fixture
def handler_errors_raise() -> Iterator[None]:
    """Make handler errors raise during the test instead of being logged."""
    with testing.handler_errors_raise():
        yield
