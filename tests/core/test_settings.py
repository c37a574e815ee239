from __future__ import annotations

import pytest

from events_core import EventBus, dispatch, reload_settings, set_dispatch_disabled
from events_core.settings import dispatch_disabled

from .helpers import Recorder


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On"])
async def test_env_var_disables_dispatch_after_reload(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    rec = Recorder()
    bus = EventBus([rec])
    monkeypatch.setenv("FASTAPI_EVENTS_DISABLE_DISPATCH", value)
    reload_settings()
    assert dispatch_disabled()
    async with bus.scope() as collected:
        dispatch("ignored", {"a": 1})
        dispatch(None)  # not even validated while disabled
    assert collected == []
    assert rec.events == []


@pytest.mark.parametrize("value", ["0", "false", "", "no"])
def test_falsy_values_keep_dispatch_on(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FASTAPI_EVENTS_DISABLE_DISPATCH", value)
    reload_settings()
    assert not dispatch_disabled()


def test_env_var_is_not_read_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_EVENTS_DISABLE_DISPATCH", "1")
    assert not dispatch_disabled()  # set after import: needs reload_settings()
    reload_settings()
    assert dispatch_disabled()


async def test_set_dispatch_disabled_switches_both_ways() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    set_dispatch_disabled(True)
    async with bus.scope():
        dispatch("off")
    set_dispatch_disabled(False)
    async with bus.scope():
        dispatch("on")
    assert rec.names == ["on"]


def test_reload_logs_a_warning_when_disabling(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FASTAPI_EVENTS_DISABLE_DISPATCH", "yes")
    reload_settings()
    assert "FASTAPI_EVENTS_DISABLE_DISPATCH" in caplog.text
