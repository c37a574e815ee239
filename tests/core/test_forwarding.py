"""The batching base of forwarders, against an in-memory broker (the transports' own tests use
real servers)."""

from __future__ import annotations

from typing import Any

from events_core import Event, EventBus, HandlerFailure
from events_core.forwarding import OUTAGE_BACKOFF, BatchingForwarder, DeliveryError, Outgoing
from events_core.retry import Backoff
from events_core.types import name_of


class Broker(BatchingForwarder):
    """Refuses every send while ``down`` is positive (counting down), then accepts."""

    def __init__(self, down: int = 0, **options: Any) -> None:
        options.setdefault("backoff", Backoff(initial=0.001, maximum=0.002, attempts=12))
        super().__init__(max_batch_size=3, max_in_flight=2, ordered=False, **options)
        self.down = down
        self.delivered: list[Any] = []
        self.requests: list[int] = []

    async def batch_limit(self) -> int:
        return 1000

    def prepare(self, event: Event, limit: int) -> Outgoing | None:
        return Outgoing(event, event[1], 10)

    async def attempt(self, batch: list[Outgoing], *, last: bool) -> list[Outgoing]:
        self.requests.append(len(batch))
        if self.down > 0:
            self.down -= 1
            if last:
                for outgoing in batch:
                    outgoing.done(DeliveryError(name_of(outgoing.event), "down", permanent=False))
                return []
            return batch
        self.delivered.extend(o.request for o in batch)
        for outgoing in batch:
            outgoing.done(None)
        return []


def test_the_default_retry_schedule_outlasts_a_minute_long_outage() -> None:
    waited = sum(
        min(OUTAGE_BACKOFF.maximum, OUTAGE_BACKOFF.initial * OUTAGE_BACKOFF.factor ** (n - 1))
        for n in range(1, OUTAGE_BACKOFF.attempts)
    )
    assert waited >= 60
    assert Broker(backoff=None).backoff is OUTAGE_BACKOFF


async def test_an_outage_within_the_retry_budget_loses_nothing() -> None:
    broker = Broker(down=6)
    failures: list[HandlerFailure] = []
    bus = EventBus([broker], on_error=failures.append, discoverable=False)
    await bus.handle([("e", n) for n in range(7)])
    assert failures == []
    assert sorted(broker.delivered) == list(range(7))
    assert broker._outstanding == 0


async def test_an_outage_past_the_budget_is_reported_per_event() -> None:
    broker = Broker(down=100, backoff=Backoff(initial=0.001, maximum=0.001, attempts=3))
    failures: list[HandlerFailure] = []
    bus = EventBus([broker], on_error=failures.append, discoverable=False)
    await bus.handle([("e", n) for n in range(4)])
    assert sorted(f.events[0][1] for f in failures) == [0, 1, 2, 3]
    assert all("not delivered after retries" in str(f.exception) for f in failures)


async def test_the_buffer_is_bounded() -> None:
    broker = Broker()
    broker.max_buffered = 2
    failures: list[HandlerFailure] = []
    bus = EventBus([broker], on_error=failures.append, discoverable=False)
    await bus.handle([("e", n) for n in range(5)])
    assert sorted(broker.delivered) == [0, 1]
    assert [f.events[0][1] for f in failures] == [2, 3, 4]
    assert "max_buffered" in str(failures[0].exception)
