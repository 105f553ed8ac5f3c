"""Crash safety: `burro exec` is killed with SIGKILL at representative points of a
20-step session, then resumed. No completed item is lost, no completed tool call runs
twice, and the resumed request is a byte-exact continuation of the history.

The full matrix (30 points) and random kill points run on demand:
``uv run python -m bench.soak_crash``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.crash_trial import KillPoint, run_trial

# Before the first tool, after one step, mid-session, at the final answer, and while a
# command is running (first and mid-session).
POINTS: list[KillPoint] = [
    ("request", 1),
    ("request", 2),
    ("request", 11),
    ("request", 21),
    ("tool", 0),
    ("tool", 10),
]


@pytest.mark.parametrize("point", POINTS, ids=[f"{a}{b}" for a, b in POINTS])
def test_sigkill_then_resume(point: KillPoint, tmp_path: Path) -> None:
    trial = run_trial(tmp_path, point)
    assert trial.stuck == [], "processes were still running 30 s after the kill"
    assert trial.resume_error == ""
    assert trial.lost == [], "a command reported complete came back as interrupted"
    assert trial.duplicated == [], "a command ran twice"
    assert not trial.ran_after_kill, "a command ran after the kill or on resume"
