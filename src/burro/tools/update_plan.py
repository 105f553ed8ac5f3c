"""The ``update_plan`` tool: the model's checklist, shown to the user as it changes."""

from __future__ import annotations

from typing import Any, cast

from burro.protocol.common import PlanStatus, PlanStep
from burro.protocol.events import PlanUpdate
from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args
from burro.tools.base import ToolBase, ToolContext, ToolResult

_STATUSES = ("pending", "in_progress", "completed")
_EXAMPLE = '{"plan": [{"step": "Reproduce the bug", "status": "in_progress"}]}'


def parse_plan(args: Args) -> list[PlanStep]:
    raw: Any = args.get("plan")
    if raw is None:
        raise args.error(f"missing required field 'plan'; send a JSON object like {_EXAMPLE}")
    if not isinstance(raw, list):
        raise args.error(f"field 'plan' must be an array of steps like {_EXAMPLE}")
    steps: list[PlanStep] = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise args.error(f"plan item {i} must be an object with 'step' and 'status'")
        step = item.get("step")
        status = item.get("status")
        if not isinstance(step, str) or not step.strip():
            raise args.error(f"plan item {i} needs a non-empty string 'step'")
        if status not in _STATUSES:
            raise args.error(
                f"plan item {i} has status {status!r}; use one of pending, in_progress, completed"
            )
        steps.append(PlanStep(step=step, status=cast(PlanStatus, status)))
    active = sum(1 for s in steps if s.status == "in_progress")
    if active > 1:
        raise args.error(f"at most one step may be in_progress, got {active}")
    return steps


class UpdatePlanTool(ToolBase):
    name = "update_plan"
    parallel_safe = True
    self_reporting = True

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXAMPLE)
        plan = parse_plan(args)
        explanation = args.str_("explanation") or None
        ctx.emit(
            PlanUpdate(turn_id=ctx.turn_id, call_id=ctx.call_id, plan=plan, explanation=explanation)
        )
        return ToolResult(output="Plan updated")
