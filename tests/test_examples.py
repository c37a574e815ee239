"""Every example runs, and does what its docstring says."""

from __future__ import annotations

import importlib

import pytest

from events_local import local_handler


async def test_quickstart_demo(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("fastapi")
    import examples.quickstart.__main__ as demo
    import examples.quickstart.app as quickstart

    if not local_handler.registrations:  # another test cleared the shared handler
        importlib.reload(quickstart)
        importlib.reload(demo)
    await demo.main()
    out = capsys.readouterr().out
    sent = out.index('<- response sent: {"fed":7}')
    handled = out.index("cat handler  got 'cat-requested-a-fish' {'cat_id': 7} (meow)")
    assert sent < handled  # handlers run after the response went out
    assert "audit (sync) got 'my-fancy-event' {'id': 1}" in out
    assert "status 404" in out


async def test_plain_asyncio_example() -> None:
    from examples.plain_asyncio import main

    handled = await main()
    assert sorted(handled) == sorted(
        ["job.started", "job.finished"] * 2 + ["job.audit"] + ["report.requested"] * 2
    )


async def test_local_handlers_example() -> None:
    pytest.importorskip("pydantic")
    from examples.local_handlers import main

    log = await main()
    assert log[:3] == [
        "db opened",
        "welcome ada@example.com via mailer(noreply@example.com) using primary",
        "db closed",
    ]
    assert "welcome bob@example.com via mailer(noreply@example.com) using fake" in log
    assert log.count("counted user.signed_up") == 2
    assert "counted user.deleted" in log


def test_litestar_example() -> None:
    pytest.importorskip("litestar")
    from examples.litestar_app import main

    assert main() == [("new event", {"id": 1})]
