"""One running turn and the MCP request(s) waiting on it: events become progress
notifications; approval requests become elicitations — sent mid-call on handshake-era
connections, returned as ``input_required`` results (answered on the client's retry) on
2026-07-28 connections — and are declined when the client cannot elicit."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal

from burro.core.api import SessionHandle, TaskResult
from burro.protocol import events as ev
from burro.protocol.items import TextPart
from burro.protocol.ops import ExecApproval, PatchApproval, ReviewDecision, UserTurn

Decision = Literal["approved", "approved_for_session", "denied", "abort"]
Approval = ev.ExecApprovalRequest | ev.PatchApprovalRequest
DECISIONS = "approved, approved_for_session, denied, or abort (stop the turn)"


def describe(event: ev.Event) -> str | None:
    """One progress line for the events a caller cares about (None: not reported)."""
    if isinstance(event, ev.TurnStarted):
        return "turn started"
    if isinstance(event, ev.ExecCommandBegin):
        return f"running: {event.command}"
    if isinstance(event, ev.ExecCommandEnd):
        return f"command finished (exit {event.exit_code}): {event.command}"
    if isinstance(event, ev.PatchApplyEnd):
        files = ", ".join(c.move_path or c.path for c in event.changes)
        return f"{'edited' if event.success else 'edit failed'}: {files}"
    if isinstance(event, ev.ToolCallBegin):
        return f"tool: {event.tool}"
    if isinstance(event, ev.AgentMessage):
        return f"agent: {event.text[:200]}"
    if isinstance(event, ev.PlanUpdate):
        return "plan: " + "; ".join(f"[{s.status}] {s.step}" for s in event.plan)
    if isinstance(event, ev.ExecApprovalRequest | ev.PatchApprovalRequest):
        return "waiting for approval"
    if isinstance(event, ev.Warning):
        return f"warning: {event.message}"
    return None


def question(event: Approval) -> str:
    if isinstance(event, ev.ExecApprovalRequest):
        return f"burro wants to run `{event.command}` in {event.cwd}: {event.reason}"
    files = ", ".join(c.move_path or c.path for c in event.changes)
    return f"burro wants to edit {files}: {event.reason}"


def answer_schema() -> Any:
    from pydantic import BaseModel, Field

    class Answer(BaseModel):
        decision: Decision = Field(default="approved", description=DECISIONS)

    return Answer


def decision_of(action: str, content: dict[str, Any] | None) -> Decision:
    if action == "accept":
        value = (content or {}).get("decision", "approved")
        if value in ("approved", "approved_for_session", "denied", "abort"):
            return value  # type: ignore[no-any-return]
        return "denied"
    return "denied" if action == "decline" else "abort"


class TurnRun:
    """A turn driven by ``SessionHandle.run_turn``; MCP calls attach to it to wait."""

    def __init__(self, handle: SessionHandle, prompt: str) -> None:
        self.handle = handle
        self.pending: dict[str, Approval] = {}  # approvals not answered yet
        self.asked: set[str] = set()  # ... of which the client has been asked
        self.changed = asyncio.Event()
        self.ctx: Any = None  # the MCP request now waiting (progress goes there)
        self.elicitations: set[asyncio.Task[None]] = set()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._count = 0
        self._pump = asyncio.create_task(self._progress())
        self.task = asyncio.create_task(
            handle.run_turn(UserTurn(items=[TextPart(text=prompt)]), on_event=self._on_event)
        )
        self.task.add_done_callback(self._ended)

    def _ended(self, _task: asyncio.Task[TaskResult]) -> None:
        self._lines.put_nowait(None)
        self.changed.set()

    def _on_event(self, envelope: ev.EventEnvelope) -> None:
        event = envelope.event
        if isinstance(event, ev.ExecApprovalRequest | ev.PatchApprovalRequest):
            self.pending[event.call_id] = event
            self.changed.set()
        line = describe(event)
        if line is not None:
            self._lines.put_nowait(line)

    async def _progress(self) -> None:
        while (line := await self._lines.get()) is not None:
            self._count += 1
            if self.ctx is not None:  # a client that went away must not stop the turn
                with contextlib.suppress(Exception):
                    await self.ctx.report_progress(self._count, None, line)

    def answer(self, call_id: str, decision: ReviewDecision) -> None:
        event = self.pending.pop(call_id, None)
        if isinstance(event, ev.ExecApprovalRequest):
            self.handle.submit(ExecApproval(call_id=call_id, decision=decision))
        elif isinstance(event, ev.PatchApprovalRequest):
            self.handle.submit(PatchApproval(call_id=call_id, decision=decision))

    async def finish(self) -> TaskResult:
        result = await self.task
        await asyncio.gather(self._pump, return_exceptions=True)
        return result

    async def wait(self) -> None:
        """Until the turn ends or a new approval is pending."""
        self.changed.clear()
        if self.task.done() or any(c not in self.asked for c in self.pending):
            return
        await self.changed.wait()
