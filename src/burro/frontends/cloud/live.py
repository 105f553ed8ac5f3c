"""What the API shows of a running attempt, folded from its protocol events: the status,
the command running now and its output so far, the plan, usage, model and effort."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from burro.protocol import events as ev

OUTPUT_TAIL = 16_000
TOOL_END = (ev.ExecCommandEnd, ev.PatchApplyEnd, ev.ToolCallEnd)


@dataclass
class LiveState:
    status: str = "running"
    command: str | None = None
    output: str = ""
    last_command: dict[str, Any] | None = None
    plan: list[dict[str, Any]] = field(default_factory=list)
    pending_approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    effort: str | None = None
    session_id: str | None = None
    last_message: str | None = None
    error: str | None = None
    turn_done: bool = False
    dirty: bool = False

    def live(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "output": self.output,
            "last_command": self.last_command,
            "plan": self.plan,
            "pending_approvals": list(self.pending_approvals.values()),
        }

    def fold(self, event: Any) -> None:
        self.dirty = True
        if isinstance(event, ev.SessionConfigured):
            self.model, self.effort, self.session_id = (
                event.model,
                event.reasoning_effort,
                event.session_id,
            )
        elif isinstance(event, ev.ExecCommandBegin):
            self.command, self.output = event.command, ""
        elif isinstance(event, ev.ExecCommandOutputDelta):
            self.output = (self.output + event.chunk)[-OUTPUT_TAIL:]
        elif isinstance(event, ev.ExecCommandEnd):
            self.command = None
            self.last_command = {
                "command": event.command,
                "exit_code": event.exit_code,
                "status": event.status,
                "output": event.aggregated_output[-OUTPUT_TAIL:],
            }
        elif isinstance(event, ev.PlanUpdate):
            self.plan = [msgspec.to_builtins(s) for s in event.plan]
        elif isinstance(event, ev.TokenCount):
            self.usage = msgspec.to_builtins(event.session_total)
        elif isinstance(event, ev.ExecApprovalRequest | ev.PatchApprovalRequest):
            kind = "exec" if isinstance(event, ev.ExecApprovalRequest) else "patch"
            self.pending_approvals[event.call_id] = {
                "call_id": event.call_id,
                "kind": kind,
                "command": getattr(event, "command", None),
                "reason": event.reason,
            }
            self.status = "waiting_approval"
        elif isinstance(event, ev.TurnComplete):
            self.status, self.last_message, self.turn_done = (
                "completed",
                event.last_agent_message,
                True,
            )
        elif isinstance(event, ev.TurnFailed):
            self.status, self.turn_done = "failed", True
            self.error = f"{event.error.code}: {event.error.message}"
        elif isinstance(event, ev.TurnAborted):
            self.status, self.turn_done = "failed", True
            self.error = (
                f"turn {event.reason}"
                if event.reason == "interrupted"
                else f"turn aborted ({event.reason})"
            )
        else:
            self.dirty = isinstance(event, TOOL_END)

    def answered(self, call_id: str) -> None:
        self.pending_approvals.pop(call_id, None)
        if not self.pending_approvals and self.status == "waiting_approval":
            self.status = "running"
        self.dirty = True
