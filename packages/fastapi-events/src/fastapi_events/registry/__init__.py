"""Registries, at the import paths of the original fastapi-events."""
