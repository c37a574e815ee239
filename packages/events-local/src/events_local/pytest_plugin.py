"""pytest fixture for local handlers (registered through the ``pytest11`` entry point).

- ``local_handler_overrides``: ``local_handler.dependency_overrides``, restored after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .handler import local_handler


@pytest.fixture
def local_handler_overrides() -> Iterator[dict[Callable[..., Any], Callable[..., Any]]]:
    """Set ``overrides[original] = stand_in`` in a test; undone when the test ends."""
    saved = dict(local_handler.dependency_overrides)
    yield local_handler.dependency_overrides
    local_handler.dependency_overrides.clear()
    local_handler.dependency_overrides.update(saved)
