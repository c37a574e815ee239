"""Settings read from the environment once, with :func:`reload_settings` to read them again."""

from __future__ import annotations

import logging
import os

__all__ = [
    "DISABLE_DISPATCH_ENV_VAR",
    "dispatch_disabled",
    "reload_settings",
    "set_dispatch_disabled",
]

logger = logging.getLogger("events_core")

#: Setting it to 1, true, yes or on (any case) disables ``dispatch()`` everywhere.
DISABLE_DISPATCH_ENV_VAR = "FASTAPI_EVENTS_DISABLE_DISPATCH"
_TRUTHY = frozenset({"1", "true", "yes", "on", "y", "t"})


class _Settings:
    __slots__ = ("disabled", "raise_handler_errors")

    def __init__(self) -> None:
        self.disabled = False
        #: Every bus raises handler errors instead of logging them (the testing kit sets it).
        self.raise_handler_errors = False


settings = _Settings()


def _read_disabled() -> bool:
    return os.environ.get(DISABLE_DISPATCH_ENV_VAR, "").strip().lower() in _TRUTHY


def reload_settings() -> None:
    """Read ``FASTAPI_EVENTS_DISABLE_DISPATCH`` again (e.g. in a test that set it later).

    The variable is read once at import rather than on every ``dispatch()`` call.
    """
    was = settings.disabled
    settings.disabled = _read_disabled()
    if settings.disabled and not was:
        logger.warning(
            "%s is set: dispatch() ignores every event in this process", DISABLE_DISPATCH_ENV_VAR
        )


def set_dispatch_disabled(disabled: bool) -> None:
    """Switch dispatching off (``True``) or on, regardless of the environment."""
    settings.disabled = disabled


def dispatch_disabled() -> bool:
    """Whether ``dispatch()`` currently ignores events."""
    return settings.disabled


reload_settings()
