"""``from fastapi_events.registry.payload_schema import registry as payload_schema``."""

from events_core.registry import PayloadSchemaRegistry, registry

EventPayloadSchemaRegistry = PayloadSchemaRegistry

__all__ = ["EventPayloadSchemaRegistry", "PayloadSchemaRegistry", "registry"]
