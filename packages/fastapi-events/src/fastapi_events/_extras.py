"""Importing an optional package, failing with the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module`` or raise ``ImportError`` saying ``pip install fastapi-events[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{what} needs the {extra!r} extra: pip install 'fastapi-events[{extra}]' "
            f"(missing: {exc.name or module})."
        ) from exc
