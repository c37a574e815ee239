"""The batching base of forwarders, against an in-memory broker (the transports' own tests use
real servers)."""

from __future__ import annotations

import asyncio
from typing import Any

from events_core import Envelope, Event, EventBus, HandlerFailure
from events_core.forwarding import OUTAGE_BACKOFF, BatchingForwarder, DeliveryError, Outgoing
from events_core.outbox import SQLiteOutbox
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


async def test_the_outbox_keeps_what_the_retries_could_not_deliver(tmp_path: Any) -> None:
    path = tmp_path / "outbox.sqlite"
    broker = Broker(down=100, backoff=Backoff(initial=0.001, attempts=2), outbox=path)
    broker.resend_interval = 0.01
    failures: list[HandlerFailure] = []
    bus = EventBus([broker], on_error=failures.append, discoverable=False)
    events = [Envelope("order.paid", {"n": n}, id=f"id-{n}") for n in range(3)]
    await bus.handle(events)
    assert failures == []  # not lost, so not a failure: kept
    assert broker.outbox is not None
    assert await broker.outbox.count() == 3
    broker.down = 0  # the broker answers again: the background re-send delivers them
    for _ in range(200):
        if not await broker.outbox.count():
            break
        await asyncio.sleep(0.01)
    assert sorted(broker.delivered, key=lambda p: p["n"]) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert await broker.outbox.count() == 0
    await broker.aclose()


async def test_a_restarted_forwarder_sends_what_the_last_one_left(tmp_path: Any) -> None:
    path = tmp_path / "outbox.sqlite"
    first = Broker(down=100, backoff=Backoff(initial=0.001, attempts=1), outbox=path)
    bus = EventBus([first], discoverable=False)
    await bus.handle([Envelope("kept", 1, id="kept-1"), Envelope("kept", 2, id="kept-2")])
    await first.aclose()
    second = Broker(outbox=path)
    await second.astart()
    await asyncio.wait_for(second._resender, 5)  # type: ignore[arg-type]
    assert sorted(second.delivered) == [1, 2]
    assert await SQLiteOutbox(path).count() == 0
    await second.aclose()


async def test_pending_events_are_stored_at_shutdown(tmp_path: Any) -> None:
    path = tmp_path / "outbox.sqlite"
    broker = Broker(down=100, backoff=Backoff(initial=10, jitter=0, attempts=5), outbox=path)
    broker.shutdown_grace = 0.05
    bus = EventBus([broker], discoverable=False)
    handling = asyncio.ensure_future(
        bus.handle([Envelope("late", n, id=f"late-{n}") for n in range(4)])
    )
    await asyncio.sleep(0.05)  # the first attempt failed; the retry waits 10 s
    await broker.aclose()
    await asyncio.wait_for(handling, 5)
    stored = SQLiteOutbox(path)
    assert sorted(e.id for e in stored.oldest_now(10)) == [f"late-{n}" for n in range(4)]
    assert [e.payload for e in stored.oldest_now(10)] == [0, 1, 2, 3]
    stored.close()


def test_the_outbox_command_shows_what_waits(tmp_path: Any, capsys: Any) -> None:
    from events_core.outbox import main

    path = tmp_path / "outbox.sqlite"
    outbox = SQLiteOutbox(path)
    assert outbox.store_now([Envelope("a", {"x": 1}, id="one"), Envelope("a", 2, id="one")]) == 1
    outbox.close()
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 event(s) waiting" in out
    assert "one  a" in out
    assert main([str(tmp_path / "missing.sqlite")]) == 1


async def test_the_shutdown_log_counts_what_was_stored(tmp_path: Any, caplog: Any) -> None:
    import logging

    broker = Broker(
        down=100, backoff=Backoff(initial=10, jitter=0, attempts=5), outbox=tmp_path / "o.sqlite"
    )
    broker.shutdown_grace = 0.05
    bus = EventBus([broker], discoverable=False)
    handling = asyncio.ensure_future(bus.handle([("late", 1), ("late", 2)]))
    await asyncio.sleep(0.05)
    caplog.set_level(logging.INFO, logger="events_core")
    await bus.aclose(0.01)
    await asyncio.wait_for(handling, 5)
    assert "2 stored in an outbox by forwarders" in caplog.text


async def test_a_failure_whose_request_was_cancelled_is_still_reported() -> None:
    broker = Broker(down=100, backoff=Backoff(initial=0.05, jitter=0, attempts=2))
    failures: list[HandlerFailure] = []
    bus = EventBus([broker], on_error=failures.append, discoverable=False)
    waiting = asyncio.ensure_future(bus.handle([("orphan", 1)]))
    await asyncio.sleep(0.01)
    waiting.cancel()  # e.g. the server cancels the request task at shutdown
    await asyncio.sleep(0.2)  # the retries run out
    assert [f.event_names for f in failures] == [("orphan",)]


def test_the_outbox_command_replays(tmp_path: Any, capsys: Any, monkeypatch: Any) -> None:
    import sys
    import types

    from events_core.outbox import main

    path = tmp_path / "replay.sqlite"
    outbox = SQLiteOutbox(path)
    outbox.store_now([Envelope("a", 1, id="r-1"), Envelope("a", 2, id="r-2")])
    outbox.close()
    module = types.ModuleType("replay_target")
    module.forwarder = Broker(outbox=path)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "replay_target", module)
    assert main([str(path), "--replay", "replay_target:forwarder"]) == 0
    out = capsys.readouterr().out
    assert "2 event(s) re-sent" in out
    assert "0 event(s) waiting" in out
    assert sorted(module.forwarder.delivered) == [1, 2]  # type: ignore[attr-defined]
