from __future__ import annotations

import pytest

from events_core import dispatch
from events_local import LocalHandler

from .conftest import Harness

pydantic = pytest.importorskip("pydantic")


class Order(pydantic.BaseModel):  # type: ignore[name-defined,misc]
    order_id: int
    total: float


async def test_handler_receives_the_payload_as_a_model(
    handler: LocalHandler, harness: Harness
) -> None:
    got: list[Order] = []

    @handler.register(event_name="order.placed")
    async def placed(order: Order) -> None:
        got.append(order)

    async with harness.bus.scope():
        dispatch("order.placed", {"order_id": 1, "total": "9.5"})
        dispatch("order.placed", {"order_id": "not a number"})
    assert got == [Order(order_id=1, total=9.5)]
    assert len(harness.failures) == 1
    failure = harness.failures[0]
    assert failure.event_names == ("order.placed",)
    assert isinstance(failure.exception, pydantic.ValidationError)
    if hasattr(failure.exception, "__notes__"):
        assert "order.placed" in " ".join(failure.exception.__notes__)
