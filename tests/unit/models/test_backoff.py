from __future__ import annotations

import random

import pytest

from burro.util.backoff import backoff_delay


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_delay_doubles_per_attempt_within_jitter(attempt: int) -> None:
    rng = random.Random(attempt)
    for _ in range(50):
        d = backoff_delay(attempt, base_ms=200, retry_after=None, rng=rng)
        nominal = 0.2 * 2 ** (attempt - 1)
        assert nominal * 0.9 <= d <= nominal * 1.1


def test_jitter_spreads_the_delays() -> None:
    rng = random.Random(0)
    delays = {backoff_delay(3, base_ms=200, retry_after=None, rng=rng) for _ in range(20)}
    assert len(delays) > 1


def test_delay_is_capped() -> None:
    assert backoff_delay(40, base_ms=200, retry_after=None) == 30.0
    assert backoff_delay(10_000, base_ms=200, retry_after=None) == 30.0


def test_server_retry_after_wins_and_is_capped() -> None:
    assert backoff_delay(1, base_ms=200, retry_after=4.5) == 4.5
    assert backoff_delay(5, base_ms=200, retry_after=0.0) == 0.0
    assert backoff_delay(1, base_ms=200, retry_after=3600) == 60.0
