"""update_plan emits the plan for front ends and rejects malformed plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burro.protocol.common import PlanStep
from burro.protocol.events import PlanUpdate
from burro.tools.base import ToolError
from burro.tools.update_plan import UpdatePlanTool
from tests.unit.tools._helpers import make_ctx, run


def test_plan_is_emitted_and_acknowledged(tmp_path: Path) -> None:
    ctx, events = make_ctx(tmp_path)
    payload = {
        "explanation": "found the bug",
        "plan": [
            {"step": "Reproduce", "status": "completed"},
            {"step": "Fix", "status": "in_progress"},
            {"step": "Test", "status": "pending"},
        ],
    }
    result = run(UpdatePlanTool().run(json.dumps(payload), ctx))
    assert result.output == "Plan updated" and result.success
    assert events == [
        PlanUpdate(
            turn_id="turn-1",
            call_id="call-1",
            explanation="found the bug",
            plan=[
                PlanStep(step="Reproduce", status="completed"),
                PlanStep(step="Fix", status="in_progress"),
                PlanStep(step="Test", status="pending"),
            ],
        )
    ]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            [{"step": "a", "status": "in_progress"}, {"step": "b", "status": "in_progress"}],
            "at most one step may be in_progress",
        ),
        ([{"step": "a", "status": "done"}], "use one of pending, in_progress, completed"),
        ([{"status": "pending"}], "plan item 1 needs a non-empty string 'step'"),
        (["a"], "plan item 1 must be an object"),
        ("a", "'plan' must be an array"),
    ],
)
def test_invalid_plans_are_rejected_without_an_event(
    tmp_path: Path, plan: object, message: str
) -> None:
    ctx, events = make_ctx(tmp_path)
    with pytest.raises(ToolError, match=message):
        run(UpdatePlanTool().run(json.dumps({"plan": plan}), ctx))
    assert events == []
