"""``Depends``: declare a handler's dependency without FastAPI (``fastapi.Depends`` works too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Depends", "DependsMarker", "as_dependency"]


class DependsMarker:
    """Marks a handler parameter as a dependency: the result of calling ``dependency``."""

    __slots__ = ("dependency", "use_cache")

    def __init__(self, dependency: Callable[..., Any] | None = None, *, use_cache: bool = True):
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__qualname__", self.dependency)
        return f"Depends({name}{'' if self.use_cache else ', use_cache=False'})"


def Depends(dependency: Callable[..., Any] | None = None, *, use_cache: bool = True) -> Any:
    """Declare a dependency, as ``param=Depends(func)`` or ``Annotated[T, Depends(func)]``.

    ``func`` may be sync or async, a plain function or a generator (``yield``): the code after
    ``yield`` runs once the handler has finished, also when it raised. ``Depends()`` with no
    argument uses the parameter's annotation as the dependency. Results are cached within one
    handler call unless ``use_cache=False``.
    """
    return DependsMarker(dependency, use_cache=use_cache)


def as_dependency(value: object) -> DependsMarker | None:
    """Our marker for ``value`` if it is ``Depends(...)`` (ours or FastAPI's), else ``None``."""
    if isinstance(value, DependsMarker):
        return value
    # fastapi.params.Depends (and Security) carry these two attributes; no import of FastAPI.
    if type(value).__name__ in {"Depends", "Security"} and hasattr(value, "dependency"):
        return DependsMarker(
            getattr(value, "dependency", None), use_cache=getattr(value, "use_cache", True)
        )
    return None
