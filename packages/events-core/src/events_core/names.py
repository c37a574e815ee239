"""Normalising event names: a ``str``, or an ``Enum`` whose value is a ``str``."""

from __future__ import annotations

from enum import Enum

from .errors import InvalidEventName
from .types import EventName

__all__ = ["EventName", "event_name_of"]


def event_name_of(name: object, *, where: str = "dispatch()") -> str:
    """Return the ``str`` event name for ``name`` (a str or an Enum with a str value)."""
    if isinstance(name, str):
        if not name:
            raise InvalidEventName(f"{where} got an empty event name: give the event a name.")
        return name
    if isinstance(name, Enum):
        value = name.value
        if isinstance(value, str) and value:
            return value
        raise InvalidEventName(
            f"{where} got the Enum member {name!r}, whose value {value!r} is not a non-empty "
            "str: event names are strings, so give the member a str value."
        )
    raise InvalidEventName(
        f"{where} got {name!r} ({type(name).__name__}) as the event name: pass a str, an Enum "
        "member with a str value, or a pydantic model that defines __event_name__."
    )
