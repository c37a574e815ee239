"""``dispatch()``: record an event in the current request or scope, or hand it to a bus."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from enum import Enum
from typing import Any

from .errors import (
    InvalidEventName,
    MissingEventNameDuringDispatch,
    MultiplePayloadsDetectedDuringDispatch,
)
from .hooks import hooks
from .lookup import find_bus
from .names import event_name_of
from .registry import DEFAULT_DUMP_ARGS, PayloadSchemaRegistry, registry, validate_with
from .scope import EventCollector, event_store
from .settings import settings
from .types import Event

__all__ = ["dispatch"]

_get_collector = event_store.get
_dict_get = dict.get


def dispatch(
    event_name_or_model: Any = None,
    payload: Any = None,
    event_name: str | Enum | None = None,
    validate_payload: bool = True,
    payload_schema_cls_dict_args: Mapping[str, Any] | None = None,
    payload_schema_registry: PayloadSchemaRegistry | None = None,
    middleware_id: Hashable | None = None,
    payload_schema_dump: bool = True,
) -> None:
    """Dispatch an event; its handlers run after the current response has been sent.

    Call forms: ``dispatch("name")``, ``dispatch("name", {...})``,
    ``dispatch(event_name="name", payload={...})``, ``dispatch(MyEnum.MEMBER, {...})``, and
    ``dispatch(model)`` for a pydantic model defining ``__event_name__`` (``event_name=...``
    overrides it).

    A payload (a mapping, or none) whose event has a schema in the registry is validated here,
    so a bad payload raises pydantic's ``ValidationError`` in the caller. With
    ``payload_schema_dump`` (default) handlers get ``model.model_dump(**args)`` with
    ``args = payload_schema_cls_dict_args or {"exclude_unset": True}``, else the model.

    Handlers receive the name as given: a str, or the Enum member (matched by its value).

    Inside a request (or ``bus.scope()``) the event is stored until the response is sent.
    Elsewhere it is handed to the bus of ``middleware_id`` (or the only one alive) at once.
    Does nothing while ``FASTAPI_EVENTS_DISABLE_DISPATCH`` is set.
    """
    if settings.disabled:
        return
    if event_name is None and event_name_or_model.__class__ is str and event_name_or_model:
        name = key = event_name_or_model
    else:
        name, key, payload, validate_payload = _resolve(
            event_name_or_model,
            payload,
            event_name,
            payload_schema_cls_dict_args,
            payload_schema_dump,
            validate_payload,
        )
    if validate_payload:
        schemas = registry if payload_schema_registry is None else payload_schema_registry
        if schemas:
            schema = _dict_get(schemas, key)
            if schema is not None:
                payload = validate_with(
                    schema, key, payload, payload_schema_cls_dict_args, payload_schema_dump
                )
    event: Event = (name, payload)
    if hooks.on_dispatch is not None:
        hooked = hooks.on_dispatch(event)
        if hooked is None:
            return
        event = hooked
    collector = _get_collector(None)
    if (
        collector is not None
        and not collector.closed
        and (middleware_id is None or middleware_id == collector.bus.bus_id)
    ):
        collector.append(event)
        return
    _dispatch_outside(event, collector, middleware_id)


def _dispatch_outside(
    event: Event, collector: EventCollector | None, middleware_id: Hashable | None
) -> None:
    if middleware_id is None and collector is not None:
        bus = collector.bus
    else:
        bus = find_bus(middleware_id, event[0])
    bus.submit(event)


def _resolve(
    obj: Any,
    payload: Any,
    event_name: str | Enum | None,
    dump_args: Mapping[str, Any] | None,
    dump: bool,
    validate: bool,
) -> tuple[Any, str, Any, bool]:
    """Work out name and payload for every call form but the plain ``dispatch("name", ...)``.

    Returns the name as handlers receive it (a str, or the Enum member given, as the original
    did), its ``str`` key, the payload, and whether the payload still needs validating.
    """
    if obj is not None and not isinstance(obj, (str, Enum)):
        if not callable(getattr(type(obj), "model_dump", None)):
            raise InvalidEventName(
                f"dispatch() got {obj!r} ({type(obj).__name__}) as the event: pass a str or Enum "
                "event name, or a pydantic model instance that defines __event_name__."
            )
        raw = event_name if event_name is not None else getattr(obj, "__event_name__", None)
        if raw is None:
            raise MissingEventNameDuringDispatch(
                f"The model {type(obj).__qualname__} defines no __event_name__ and no "
                "event_name=... was given."
            )
        key = event_name_of(raw)
        if payload:
            raise MultiplePayloadsDetectedDuringDispatch(key)
        body = obj.model_dump(**(dump_args or DEFAULT_DUMP_ARGS)) if dump else obj
        return raw, key, body, False  # a model instance is valid already
    if obj is not None and event_name is not None:
        raise InvalidEventName(
            f"dispatch() got two event names, {obj!r} and event_name={event_name!r}: pass one."
        )
    raw = obj if obj is not None else event_name
    if raw is None:
        raise MissingEventNameDuringDispatch()
    return raw, event_name_of(raw), payload, validate
