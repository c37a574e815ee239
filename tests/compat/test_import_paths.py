"""Every module path of the original fastapi-events imports and gives the same objects."""

from __future__ import annotations

import importlib

import pytest

import events_asgi
import events_core
import events_local
from events_core import ConfigurationError


def test_version() -> None:
    import fastapi_events

    assert fastapi_events.__version__ == events_core.__version__


@pytest.mark.parametrize(
    ("module", "name", "implementation"),
    [
        ("fastapi_events.dispatcher", "dispatch", events_core.dispatch),
        (
            "fastapi_events.middleware",
            "EventHandlerASGIMiddleware",
            events_asgi.EventHandlerASGIMiddleware,
        ),
        ("fastapi_events.handlers.base", "BaseEventHandler", events_core.BaseEventHandler),
        ("fastapi_events.handlers.local", "local_handler", events_local.local_handler),
        ("fastapi_events.handlers.local", "LocalHandler", events_local.LocalHandler),
        ("fastapi_events.handlers.echo", "EchoHandler", events_core.EchoHandler),
        ("fastapi_events.handlers.null", "NullHandler", events_core.NullHandler),
        ("fastapi_events.registry.payload_schema", "registry", events_core.registry),
        ("fastapi_events.typing", "Event", events_core.Event),
        ("fastapi_events.errors", "ConfigurationError", ConfigurationError),
        (
            "fastapi_events.errors",
            "MissingEventNameDuringRegistration",
            events_core.MissingEventNameDuringRegistration,
        ),
    ],
)
def test_reexports_are_the_implementation(module: str, name: str, implementation: object) -> None:
    assert getattr(importlib.import_module(module), name) is implementation


def test_constants_and_otel_paths() -> None:
    from fastapi_events import constants, otel

    assert constants.FASTAPI_EVENTS_DISABLE_DISPATCH_ENV_VAR == "FASTAPI_EVENTS_DISABLE_DISPATCH"
    assert otel.__version__ == events_core.__version__


def test_forwarders_at_their_original_paths() -> None:
    import events_sqs
    from fastapi_events.handlers.aws import SQSForwardHandler

    assert SQSForwardHandler is events_sqs.SQSForwardHandler


def test_pubsub_forwarder_at_its_original_path() -> None:
    import events_pubsub
    from fastapi_events.handlers.gcp import GoogleCloudSimplePubSubHandler

    assert GoogleCloudSimplePubSubHandler is events_pubsub.GoogleCloudSimplePubSubHandler
    handler = GoogleCloudSimplePubSubHandler(project_id="my-project", topic_id="events")
    assert handler.topic == "projects/my-project/topics/events"  # the original's defaults work


def test_missing_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from fastapi_events._extras import require

    monkeypatch.setitem(sys.modules, "events_sqs", None)
    with pytest.raises(ImportError, match=r"pip install 'fastapi-events\[aws\]'"):
        require("events_sqs", "aws", "SQSForwardHandler")
