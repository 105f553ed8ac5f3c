"""Jittered exponential backoff between retries of a model request."""

from __future__ import annotations

import random

MAX_BACKOFF_S = 30.0
"""Cap of the computed exponential delay."""
MAX_RETRY_AFTER_S = 60.0
"""Cap of a server-suggested delay (Retry-After)."""


def backoff_delay(
    attempt: int,
    *,
    base_ms: int,
    retry_after: float | None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    A server-suggested ``retry_after`` wins (capped at 60 s). Otherwise the delay is
    ``base_ms * 2**(attempt-1)`` scaled by a random factor in [0.9, 1.1], capped at 30 s.
    """
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), MAX_RETRY_AFTER_S)
    exponent = min(max(attempt, 1) - 1, 32)
    raw = (max(base_ms, 0) / 1000.0) * (2.0**exponent)
    jitter = (rng or random).uniform(0.9, 1.1)
    return min(raw * jitter, MAX_BACKOFF_S)
