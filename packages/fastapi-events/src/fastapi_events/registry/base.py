"""``fastapi_events.registry.base``: the registry base class of the original."""

from events_core.registry import PayloadSchemaRegistry

BaseEventPayloadSchemaRegistry = PayloadSchemaRegistry

__all__ = ["BaseEventPayloadSchemaRegistry"]
