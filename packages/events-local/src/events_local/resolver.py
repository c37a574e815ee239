"""Calling a handler with its dependencies for one event."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any

from events_core import Event

from .plan import CallPlan, ParamKind, analyse

__all__ = ["Resolver", "run_sync"]


async def run_sync(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` in the default executor with a copy of the caller's contextvars."""
    ctx = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(ctx.run, func, *args, **kwargs))


def validate_model(model: Any, event: Event) -> Any:
    """The payload of ``event`` as an instance of the pydantic ``model``."""
    payload = event[1]
    if isinstance(payload, model):
        return payload
    try:
        return model.model_validate(payload)
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note(
                f"fastapi-events: the payload of event {event[0]!r} does not match "
                f"{model.__qualname__}, the model the handler asks for."
            )
        raise


class Resolver:
    """Calls plans, resolving dependencies with caching, overrides and ``yield`` teardown."""

    def __init__(self, overrides: MutableMapping[Callable[..., Any], Callable[..., Any]]) -> None:
        #: Maps a dependency to the callable used in its place (as FastAPI's).
        self.overrides = overrides
        self._override_plans: dict[Callable[..., Any], CallPlan] = {}

    async def call(self, plan: CallPlan, event: Event) -> Any:
        """Call the handler ``plan`` for ``event`` with its dependencies.

        An exit stack (for ``yield`` dependencies) is only set up when the plan, or an
        override, may need one.
        """
        if not plan.needs_exit_stack and not self.overrides:
            args, kwargs = await self._arguments(plan, event, {}, None)
            return await self._invoke(plan, args, kwargs)
        async with AsyncExitStack() as stack:
            args, kwargs = await self._arguments(plan, event, {}, stack)
            return await self._invoke(plan, args, kwargs)

    async def _invoke(self, plan: CallPlan, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if plan.is_async:
            return await plan.func(*args, **kwargs)
        return await run_sync(plan.func, *args, **kwargs)

    async def _arguments(
        self,
        plan: CallPlan,
        event: Event,
        cache: dict[Callable[..., Any], Any],
        stack: AsyncExitStack | None,
    ) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for param in plan.params:
            if param.kind is ParamKind.EVENT:
                value: Any = event
            elif param.kind is ParamKind.MODEL:
                value = validate_model(param.model, event)
            else:
                assert param.dependency is not None
                value = await self._solve(param.dependency, event, cache, stack)
            if param.positional:
                args.append(value)
            else:
                kwargs[param.name] = value
        return args, kwargs

    def _plan_for(self, plan: CallPlan) -> CallPlan:
        override = self.overrides.get(plan.func) if self.overrides else None
        if override is None:
            return plan
        cached = self._override_plans.get(override)
        if cached is None:
            cached = analyse(override, role="dependency", use_cache=plan.use_cache)
            self._override_plans[override] = cached
        return cached

    async def _solve(
        self,
        original: CallPlan,
        event: Event,
        cache: dict[Callable[..., Any], Any],
        stack: AsyncExitStack | None,
    ) -> Any:
        plan = self._plan_for(original)
        if plan.use_cache and original.func in cache:
            return cache[original.func]
        args, kwargs = await self._arguments(plan, event, cache, stack)
        func = plan.func
        if plan.is_async_generator:
            assert stack is not None
            value = await stack.enter_async_context(asynccontextmanager(func)(*args, **kwargs))
        elif plan.is_generator:
            assert stack is not None
            cm = contextmanager(func)(*args, **kwargs)
            value = await run_sync(cm.__enter__)

            async def exit_in_thread(
                exc_type: type[BaseException] | None,
                exc: BaseException | None,
                tb: TracebackType | None,
            ) -> bool | None:
                suppressed: bool | None = await run_sync(cm.__exit__, exc_type, exc, tb)
                return suppressed

            stack.push_async_exit(exit_in_thread)
        elif plan.is_async:
            value = await func(*args, **kwargs)
        else:
            value = await run_sync(func, *args, **kwargs)
        if plan.use_cache:
            cache[original.func] = value
        return value
