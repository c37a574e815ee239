from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import pytest

from events_core import (
    ConfigurationError,
    EventBus,
    MissingEventNameDuringDispatch,
    MissingEventNameDuringRegistration,
    MultiplePayloadsDetectedDuringDispatch,
    PayloadSchemaRegistry,
    dispatch,
    registry,
)

from .helpers import Recorder

pydantic = pytest.importorskip("pydantic")


class UserEvents(Enum):
    SIGNED_UP = "USER_SIGNED_UP"
    ACTIVATED = "USER_ACTIVATED"


class SignUpPayload(pydantic.BaseModel):  # type: ignore[name-defined,misc]
    __event_name__ = "USER_SIGNED_UP"

    user_id: uuid.UUID
    created_at: datetime


USER = "9e79cdbb-b216-40f7-9a05-20d223dee89a"


def test_register_forms() -> None:
    reg = PayloadSchemaRegistry()
    assert reg.register(SignUpPayload) is SignUpPayload
    assert reg["USER_SIGNED_UP"] is SignUpPayload

    @reg.register(event_name=UserEvents.ACTIVATED)
    class Activated(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        user_id: uuid.UUID

    @reg.register(event_name="plain")
    class Plain(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        x: int

    assert reg[UserEvents.ACTIVATED] is Activated
    assert reg["USER_ACTIVATED"] is Activated
    assert UserEvents.ACTIVATED in reg
    assert reg.get(UserEvents.SIGNED_UP) is SignUpPayload
    assert reg["plain"] is Plain
    assert 123 not in reg
    reg.unregister(UserEvents.ACTIVATED)
    assert "USER_ACTIVATED" not in reg


def test_registration_errors_name_the_schema() -> None:
    reg = PayloadSchemaRegistry()

    class NoName(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        x: int

    with pytest.raises(MissingEventNameDuringRegistration, match="NoName"):
        reg.register(NoName)
    with pytest.raises(ConfigurationError, match="not a pydantic model"):
        reg.register(event_name="x")(dict)


async def test_validation_happens_in_dispatch() -> None:
    registry.register(SignUpPayload)
    rec = Recorder()
    bus = EventBus([rec])
    created = datetime(2024, 1, 2, 3, 4, 5)
    async with bus.scope():
        with pytest.raises(pydantic.ValidationError) as missing:
            dispatch(UserEvents.SIGNED_UP)
        with pytest.raises(pydantic.ValidationError):
            dispatch(UserEvents.SIGNED_UP, {"user_id": USER})
        dispatch(UserEvents.SIGNED_UP, {"user_id": USER, "created_at": created})
        dispatch(UserEvents.ACTIVATED, {"anything": "goes"})
        dispatch(SignUpPayload(user_id=USER, created_at=created))
    if hasattr(missing.value, "__notes__"):
        assert "USER_SIGNED_UP" in " ".join(missing.value.__notes__)
    expected = {"user_id": uuid.UUID(USER), "created_at": created}
    assert rec.events == [
        (UserEvents.SIGNED_UP, expected),
        (UserEvents.ACTIVATED, {"anything": "goes"}),
        ("USER_SIGNED_UP", expected),
    ]


async def test_dump_options_and_custom_registry() -> None:
    reg = PayloadSchemaRegistry()
    reg.register(SignUpPayload)
    rec = Recorder()
    bus = EventBus([rec])
    payload: dict[str, Any] = {"user_id": USER, "created_at": "2024-01-02T03:04:05"}
    async with bus.scope():
        dispatch("USER_SIGNED_UP", payload)  # the global registry is empty: no validation
        dispatch("USER_SIGNED_UP", payload, payload_schema_registry=reg, payload_schema_dump=False)
        dispatch(
            "USER_SIGNED_UP",
            payload,
            payload_schema_registry=reg,
            payload_schema_cls_dict_args={"mode": "json"},
        )
        dispatch("USER_SIGNED_UP", {"bad": 1}, payload_schema_registry=reg, validate_payload=False)
    assert rec.events[0] == ("USER_SIGNED_UP", payload)
    assert isinstance(rec.events[1][1], SignUpPayload)
    assert rec.events[2][1] == {"user_id": USER, "created_at": "2024-01-02T03:04:05"}
    assert rec.events[3][1] == {"bad": 1}


async def test_model_dispatch_forms() -> None:
    rec = Recorder()
    bus = EventBus([rec])
    model = SignUpPayload(user_id=USER, created_at=datetime(2024, 1, 1))

    class Unnamed(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        x: int

    async with bus.scope():
        dispatch(model, event_name="renamed")
        dispatch(model, payload_schema_dump=False)
        with pytest.raises(MultiplePayloadsDetectedDuringDispatch, match="USER_SIGNED_UP"):
            dispatch(model, payload={"x": 1})
        with pytest.raises(MissingEventNameDuringDispatch, match="Unnamed"):
            dispatch(Unnamed(x=1))
        dispatch(Unnamed(x=1), event_name=UserEvents.ACTIVATED)
    assert rec.names == ["renamed", "USER_SIGNED_UP", UserEvents.ACTIVATED]
    assert rec.events[1][1] is model
    assert rec.events[2][1] == {"x": 1}


async def test_original_semantics_of_dump_and_validation() -> None:
    class Profile(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        __event_name__ = "profile"
        name: str = "anon"
        age: int | None = None

    registry.register(Profile)
    rec = Recorder()
    bus = EventBus([rec])
    async with bus.scope():
        dispatch("profile")  # no payload: validated as {}, as the original does
        dispatch("profile", {"age": 3})  # dumped with exclude_unset=True by default
        dispatch("profile", {"age": 3}, payload_schema_cls_dict_args={"exclude_none": True})
        dispatch("profile", ["not", "a", "mapping"])  # the original validates mappings only
        dispatch(Profile(age=4), payload={})  # an empty payload beside a model is ignored
    assert [e[1] for e in rec.events] == [
        {},
        {"age": 3},
        {"name": "anon", "age": 3},
        ["not", "a", "mapping"],
        {"age": 4},
    ]
