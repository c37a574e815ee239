from __future__ import annotations

from collections.abc import Iterator

import pytest

from events_local import local_handler


@pytest.fixture(autouse=True)
def _clean_local_handler() -> Iterator[None]:
    """The reference examples register on the shared ``local_handler``: reset it around tests."""
    local_handler.clear()
    yield
    local_handler.clear()
