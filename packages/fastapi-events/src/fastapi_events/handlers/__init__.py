"""Built-in handlers, at the import paths of the original fastapi-events."""
