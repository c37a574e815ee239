"""Analysing a handler or dependency once, at registration: what each parameter receives."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any

from events_core import ConfigurationError, Envelope, Event

from .depends import DependsMarker, as_dependency

__all__ = ["CallPlan", "ParamKind", "analyse"]


class ParamKind(Enum):
    """What a parameter receives."""

    EVENT = "event"  #: the ``(name, payload)`` event
    MODEL = "model"  #: the payload validated by a pydantic model
    DEPENDENCY = "dependency"  #: the result of a dependency


@dataclass(frozen=True)
class Param:
    """One parameter of a handler or dependency."""

    name: str
    kind: ParamKind
    positional: bool
    model: Any = None
    dependency: CallPlan | None = None


@dataclass(frozen=True)
class CallPlan:
    """How to call one handler or dependency, worked out once."""

    func: Callable[..., Any]
    path: str
    params: tuple[Param, ...]
    is_async: bool
    is_generator: bool
    is_async_generator: bool
    use_cache: bool = True
    #: The handler is async and takes just the event (or nothing): call it directly.
    direct: bool = False
    #: Some dependency in the tree is a generator, so an exit stack is needed.
    needs_exit_stack: bool = False
    children: tuple[CallPlan, ...] = field(default=())


def path_of(func: Callable[..., Any]) -> str:
    """``module.qualname`` of a callable, for messages and span attributes."""
    module = getattr(func, "__module__", None) or "?"
    return f"{module}.{getattr(func, '__qualname__', repr(func))}"


def _is_event_annotation(ann: Any) -> bool:
    if ann is Event or ann is Envelope or ann is tuple:
        return True
    return typing.get_origin(ann) is tuple


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and callable(getattr(ann, "model_validate", None))


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations; with string annotations that cannot all be resolved (names local
    to a function), each one that can is resolved and the rest are left as strings."""
    target = func if inspect.isfunction(func) or inspect.ismethod(func) else type(func).__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        pass
    namespace = getattr(inspect.unwrap(target), "__globals__", {})
    hints: dict[str, Any] = {}
    for name, raw in getattr(target, "__annotations__", {}).items():
        try:
            hints[name] = eval(raw, namespace) if isinstance(raw, str) else raw
        except Exception:
            hints[name] = raw
    return hints


def _unwrap_annotated(ann: Any) -> tuple[Any, DependsMarker | None]:
    if typing.get_origin(ann) is Annotated:
        base, *extras = typing.get_args(ann)
        for extra in extras:
            marker = as_dependency(extra)
            if marker is not None:
                return base, marker
        return base, None
    return ann, None


def analyse(
    func: Callable[..., Any],
    *,
    role: str = "handler",
    use_cache: bool = True,
    owner: str | None = None,
    _seen: tuple[Callable[..., Any], ...] = (),
) -> CallPlan:
    """Work out how to call ``func``; raise :class:`ConfigurationError` if a parameter
    cannot be resolved. ``role`` is ``"handler"`` or ``"dependency"``."""
    if not callable(func):
        raise ConfigurationError(f"{role} {func!r} is not callable: register a function.")
    path = path_of(func)
    where = f"{role} {path}" + (f" (a dependency of {owner})" if owner else "")
    if func in _seen:
        raise ConfigurationError(f"{where} depends on itself: break the dependency cycle.")
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the signature of {where}: {exc}") from None
    hints = _hints(func)
    params: list[Param] = []
    children: list[CallPlan] = []
    event_taken = False
    keyword_only_event = False
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        positional = p.kind is p.POSITIONAL_ONLY
        ann, marker = _unwrap_annotated(hints.get(p.name, p.annotation))
        if marker is None:
            marker = as_dependency(p.default)
        if marker is not None:
            target = marker.dependency
            if target is None:
                if not callable(ann) or ann is inspect.Parameter.empty:
                    raise ConfigurationError(
                        f"{where}: parameter {p.name!r} uses Depends() without a callable and "
                        "has no annotation to call instead: write Depends(some_function)."
                    )
                target = ann
            child = analyse(
                target,
                role="dependency",
                use_cache=marker.use_cache,
                owner=path,
                _seen=(*_seen, func),
            )
            children.append(child)
            params.append(Param(p.name, ParamKind.DEPENDENCY, positional, dependency=child))
        elif _is_event_annotation(ann):
            params.append(Param(p.name, ParamKind.EVENT, positional))
            event_taken = True
            keyword_only_event = p.kind is p.KEYWORD_ONLY
        elif _is_model(ann):
            params.append(Param(p.name, ParamKind.MODEL, positional, model=ann))
            event_taken = True
        elif p.name == "event" or (
            role == "handler" and not event_taken and p.default is inspect.Parameter.empty
        ):
            params.append(Param(p.name, ParamKind.EVENT, positional))
            event_taken = True
            keyword_only_event = p.kind is p.KEYWORD_ONLY
        elif p.default is inspect.Parameter.empty:
            raise ConfigurationError(
                f"{where}: cannot tell what to pass as parameter {p.name!r}. Give it a default, "
                "declare it as a dependency (Depends(...)), annotate it with Event for the event "
                "or with a pydantic model for the payload."
            )
    is_async_gen = inspect.isasyncgenfunction(func)
    is_gen = inspect.isgeneratorfunction(func)
    is_async = inspect.iscoroutinefunction(func) or (
        not inspect.isfunction(func)
        and inspect.iscoroutinefunction(getattr(func, "__call__", None))  # noqa: B004
    )
    if role == "handler" and (is_gen or is_async_gen):
        raise ConfigurationError(f"{where} is a generator: handlers must return, not yield.")
    direct = (
        role == "handler"
        and is_async
        and (not params or (len(params) == 1 and params[0].kind is ParamKind.EVENT))
        and not keyword_only_event
    )
    needs_stack = is_gen or is_async_gen or any(c.needs_exit_stack for c in children)
    return CallPlan(
        func=func,
        path=path,
        params=tuple(params),
        is_async=is_async,
        is_generator=is_gen,
        is_async_generator=is_async_gen,
        use_cache=use_cache,
        direct=direct,
        needs_exit_stack=needs_stack,
        children=tuple(children),
    )
