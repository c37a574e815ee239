"""Exponential backoff with jitter, for forwarders and consumers."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Delays ``initial * factor**(attempt-1)``, capped at ``maximum``, with ±``jitter``."""

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 10.0
    jitter: float = 0.1
    #: Attempts in all (the first one included) before giving up.
    attempts: int = 5

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        base = min(self.maximum, self.initial * self.factor ** max(attempt - 1, 0))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))
