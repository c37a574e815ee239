"""What to do with the events of a request (or scope) that failed."""

from __future__ import annotations

from enum import Enum

__all__ = ["FailurePolicy"]


class FailurePolicy(str, Enum):
    """Whether the events of a failed request are handled.

    A request *failed* when the app raised or answered with a 5xx status.

    ============  =========  ===========  ====================
    policy        succeeded  4xx answer   failed (raise / 5xx)
    ============  =========  ===========  ====================
    ``always``    handled    handled      handled (default, as the original)
    ``on_success`` handled   discarded    discarded
    ``never``     handled    handled      discarded
    ============  =========  ===========  ====================

    Discarded events are logged at INFO with their count and counted in ``bus.stats.discarded``.
    """

    ALWAYS = "always"
    ON_SUCCESS = "on_success"
    NEVER = "never"

    def keeps(self, *, raised: bool, status: int | None) -> bool:
        """Whether events of a request that ended this way are handled."""
        if self is FailurePolicy.ALWAYS:
            return True
        if raised or (status is not None and status >= 500):
            return False
        if self is FailurePolicy.ON_SUCCESS:
            return status is None or status < 400
        return True
