"""The payload-schema registry: event name -> pydantic model that validates its payload."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from .errors import ConfigurationError, MissingEventNameDuringRegistration
from .names import EventName, event_name_of

__all__ = ["DEFAULT_DUMP_ARGS", "PayloadSchemaRegistry", "registry", "validate_with"]

SchemaT = TypeVar("SchemaT", bound=type)

#: ``model_dump()`` arguments used when ``payload_schema_cls_dict_args`` is not given (as the
#: original fastapi-events).
DEFAULT_DUMP_ARGS: Mapping[str, Any] = {"exclude_unset": True}


def validate_with(
    schema: Any,
    name: str,
    payload: Any,
    dump_args: Mapping[str, Any] | None = None,
    dump: bool = True,
) -> Any:
    """Validate ``payload`` of event ``name`` with ``schema``; return what handlers receive.

    As the original: only a mapping (or no payload, validated as ``{}``) is validated; an
    instance of the schema is accepted as it is; other payloads pass through.
    """
    if isinstance(payload, schema):
        model = payload
    elif payload and not isinstance(payload, Mapping):
        return payload
    else:
        try:
            model = schema.model_validate(payload or {})
        except Exception as exc:
            if hasattr(exc, "add_note"):
                exc.add_note(
                    f"fastapi-events: the payload of event {name!r} does not match its "
                    f"registered schema {schema.__qualname__}; fix the payload or the schema."
                )
            raise
    return model.model_dump(**(dump_args or DEFAULT_DUMP_ARGS)) if dump else model


class PayloadSchemaRegistry(dict[str, type]):
    """A mapping of event names to pydantic models, used by ``dispatch()`` to validate payloads.

    Keys may be given as ``str`` or ``Enum``; they are stored as the ``str`` event name.
    Wildcards are not supported: a schema applies to exactly one event name.
    """

    @overload
    def register(self, _schema: SchemaT, *, event_name: EventName | None = None) -> SchemaT: ...

    @overload
    def register(
        self, _schema: None = None, *, event_name: EventName | None = None
    ) -> Callable[[SchemaT], SchemaT]: ...

    def register(
        self, _schema: SchemaT | None = None, *, event_name: EventName | None = None
    ) -> SchemaT | Callable[[SchemaT], SchemaT]:
        """Register a model, as ``@registry.register`` or ``@registry.register(event_name=...)``.

        Without ``event_name`` the model's ``__event_name__`` names the event.
        """

        def wrap(schema: SchemaT) -> SchemaT:
            if not isinstance(schema, type) or not callable(
                getattr(schema, "model_validate", None)
            ):
                raise ConfigurationError(
                    f"payload schema {schema!r} is not a pydantic model: register a subclass of "
                    "pydantic.BaseModel (pip install pydantic)."
                )
            raw = event_name if event_name is not None else getattr(schema, "__event_name__", None)
            if raw is None:
                raise MissingEventNameDuringRegistration(schema)
            self[event_name_of(raw, where="register()")] = schema
            return schema

        if _schema is None:
            return wrap
        return wrap(_schema)

    def __setitem__(self, key: EventName, value: type) -> None:
        dict.__setitem__(self, event_name_of(key, where="register()"), value)

    def __getitem__(self, key: EventName) -> type:
        return dict.__getitem__(self, event_name_of(key, where="lookup"))

    def __contains__(self, key: object) -> bool:
        try:
            return dict.__contains__(self, event_name_of(key, where="lookup"))
        except Exception:
            return False

    def get(self, key: EventName, default: Any = None) -> Any:
        return dict.get(self, event_name_of(key, where="lookup"), default)

    def validate(
        self,
        event_name: EventName,
        payload: Any,
        *,
        dump_args: Mapping[str, Any] | None = None,
        dump: bool = True,
    ) -> Any:
        """``payload`` validated by the schema of ``event_name`` (unchanged if it has none)."""
        key = event_name_of(event_name, where="validate()")
        schema = dict.get(self, key)
        return payload if schema is None else validate_with(schema, key, payload, dump_args, dump)

    def unregister(self, event_name: EventName) -> None:
        """Remove the schema of ``event_name`` (no error if there is none)."""
        dict.pop(self, event_name_of(event_name, where="unregister()"), None)


#: The registry ``dispatch()`` uses unless given ``payload_schema_registry=...``.
registry = PayloadSchemaRegistry()
