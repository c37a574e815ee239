"""The wire format of forwarded events: the JSON array ``["event name", payload]``.

The same body as the original fastapi-events, so its consumers and ours read each other's
messages. Values JSON cannot encode become strings (pydantic models become their JSON dump).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import EventsError
from .types import Event, name_of

__all__ = ["MalformedMessage", "Serializer", "decode_event", "encode_event", "json_default"]

#: Turns an event into the message body.
Serializer = Callable[[Event], str]


class MalformedMessage(EventsError, ValueError):
    """A message body is not an event in our format; it is left for the dead-letter queue."""


def json_default(value: Any) -> Any:
    """JSON fallback: pydantic models as their JSON dump, anything else as ``str(value)``."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def encode_event(event: Event) -> str:
    """``["event name", payload]`` as JSON, byte for byte as the original wrote it."""
    return json.dumps([name_of(event), event[1]], default=json_default)


def decode_event(body: str | bytes) -> tuple[str, Any]:
    """The ``(name, payload)`` in a message body; :class:`MalformedMessage` if it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"message body is not JSON: {exc}") from None
    if not isinstance(data, list) or len(data) != 2 or not isinstance(data[0], str) or not data[0]:
        raise MalformedMessage(
            'message body is not an event: expected the JSON array ["event name", payload], '
            f"got {str(body)[:120]!r}"
        )
    return data[0], data[1]
