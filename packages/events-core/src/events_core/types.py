"""The event type handlers receive, and the envelope that carries metadata with it."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from enum import Enum
from typing import Any, Tuple, Union  # noqa: UP035 - ``Tuple[...]`` keeps the original's alias

__all__ = ["Envelope", "Event", "EventName", "Payload", "envelope_of", "name_of", "new_event_id"]

Payload = Any
#: An event name: a str, or an Enum member whose value is the str name.
EventName = Union[str, Enum]  # noqa: UP007

#: What a handler receives: ``(event_name, payload)``, as in the original fastapi-events. The
#: name is the str, or the Enum member, that was dispatched.
Event = Tuple[EventName, Any]  # noqa: UP006


def new_event_id() -> str:
    """A random 128-bit event id as 32 hex digits (a tenth of the cost of ``uuid4``)."""
    return f"{random.getrandbits(128):032x}"


def name_of(event: Event) -> str:
    """The ``str`` name of ``event`` (the value of an Enum member)."""
    name = event[0]
    if isinstance(name, str):
        return name
    value = name.value
    return value if isinstance(value, str) else str(value)


class Envelope(Tuple[EventName, Any]):  # noqa: UP006
    """An event that carries metadata and still unpacks as ``name, payload = event``.

    ``dispatch()`` stores plain tuples (the cheap path); forwarders and consumers wrap them in
    an ``Envelope`` when they need an id, a timestamp or headers such as trace context.
    """

    id: str
    timestamp: float
    headers: dict[str, str]

    def __new__(
        cls,
        name: EventName,
        payload: Any = None,
        *,
        id: str | None = None,
        timestamp: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Envelope:
        self = super().__new__(cls, (name, payload))
        self.id = id or new_event_id()
        self.timestamp = time.time() if timestamp is None else timestamp
        self.headers = dict(headers) if headers else {}
        return self

    @property
    def name(self) -> str:
        """The event name, as a str."""
        return name_of(self)

    @property
    def payload(self) -> Any:
        """The event payload."""
        return self[1]

    def __repr__(self) -> str:
        return f"Envelope({self[0]!r}, {self[1]!r}, id={self.id!r})"

    def __reduce__(self) -> Any:
        return (_rebuild, (self[0], self[1], self.id, self.timestamp, self.headers))


def _rebuild(
    name: EventName, payload: Any, id: str, timestamp: float, headers: dict[str, str]
) -> Envelope:
    return Envelope(name, payload, id=id, timestamp=timestamp, headers=headers)


def envelope_of(event: Event) -> Envelope:
    """Return ``event`` as an :class:`Envelope`, giving it an id and a timestamp if it has none."""
    if isinstance(event, Envelope):
        return event
    return Envelope(event[0], event[1])
