"""events-local: handle events in-process with functions registered by name pattern.

Functions may take the event, the payload as a pydantic model, and dependencies declared with
``Depends`` (ours, or ``fastapi.Depends``), including ``yield`` dependencies.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .depends import Depends
from .handler import LocalHandler, local_handler
from .resolver import run_sync

try:
    __version__ = version("events-local")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["Depends", "LocalHandler", "__version__", "local_handler", "run_sync"]
