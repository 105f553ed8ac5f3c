"""burro events -> Codex app-server v2 notifications (``item/*``, ``turn/*``).

One ``TurnMapper`` per running turn; it returns (method, params) pairs and keeps which
items it has started, so every item gets exactly one ``item/started`` and one
``item/completed`` (items still open when the turn ends are closed then)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from burro.protocol.common import FileChange, PlanStep, TokenUsage
from burro.protocol.events import (
    AgentMessage,
    AgentMessageDelta,
    EnteredReviewMode,
    Error,
    Event,
    ExecApprovalRequest,
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    ExitedReviewMode,
    PatchApplyBegin,
    PatchApplyEnd,
    PatchApprovalRequest,
    PlanUpdate,
    ReasoningDeltaEvent,
    ReasoningEvent,
    TokenCount,
    ToolCallBegin,
    ToolCallEnd,
    TurnAborted,
    TurnComplete,
    TurnFailed,
    TurnStarted,
    UserMessageEvent,
    Warning,
)

Note = tuple[str, dict[str, Any]]


def now_ms() -> int:
    return int(time.time() * 1000)


def changes(items: list[FileChange]) -> list[dict[str, Any]]:
    out = []
    for ch in items:
        kind: dict[str, Any] = {"type": ch.kind}
        if ch.kind == "update":
            kind["move_path"] = ch.move_path
        out.append({"path": ch.path, "kind": kind, "diff": ch.unified_diff})
    return out


def plan(steps: list[PlanStep]) -> list[dict[str, str]]:
    status = {"in_progress": "inProgress"}
    return [{"step": s.step, "status": status.get(s.status, s.status)} for s in steps]


def usage(u: TokenUsage) -> dict[str, int]:
    return {
        "inputTokens": u.input_tokens,
        "cachedInputTokens": u.cached_input_tokens,
        "outputTokens": u.output_tokens,
        "reasoningOutputTokens": u.reasoning_output_tokens,
        "totalTokens": u.total_tokens,
    }


def turn(
    turn_id: str, status: str, *, error: str | None = None, started: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": turn_id, "items": [], "status": status}
    if started is not None:
        out["startedAt"] = started // 1000
        if status != "inProgress":
            ended = now_ms()
            out["completedAt"] = ended // 1000
            out["durationMs"] = ended - started
    if error is not None:
        out["error"] = {"message": error}
    return out


@dataclass
class TurnMapper:
    thread_id: str
    turn_id: str = ""
    started_ms: int = field(default_factory=now_ms)
    _open: dict[str, dict[str, Any]] = field(default_factory=dict)
    _text: dict[str, list[str]] = field(default_factory=dict)
    # Calls the client refused: their failure is shown as "declined".
    declined: set[str] = field(default_factory=set)

    def _p(self, **params: Any) -> dict[str, Any]:
        return {"threadId": self.thread_id, "turnId": self.turn_id, **params}

    def start(self, item: dict[str, Any]) -> list[Note]:
        if item["id"] in self._open:
            self._open[item["id"]].update(item)
            return []
        self._open[item["id"]] = item
        return [("item/started", self._p(item=item, startedAtMs=now_ms()))]

    def complete(self, item: dict[str, Any]) -> list[Note]:
        notes = self.start(item) if item["id"] not in self._open else []
        merged = {**self._open.pop(item["id"]), **item}
        return [*notes, ("item/completed", self._p(item=merged, completedAtMs=now_ms()))]

    def exec_item(self, call_id: str, command: str, cwd: str) -> dict[str, Any]:
        return {
            "type": "commandExecution",
            "id": call_id,
            "command": command,
            "cwd": cwd,
            "status": "inProgress",
            "commandActions": [],
        }

    def patch_item(self, call_id: str, items: list[FileChange]) -> dict[str, Any]:
        return {
            "type": "fileChange",
            "id": call_id,
            "changes": changes(items),
            "status": "inProgress",
        }

    def notes(self, ev: Event) -> list[Note]:
        if isinstance(ev, EnteredReviewMode | ExitedReviewMode):
            from burro.frontends.app_server.review import review_notes

            return review_notes(self, ev)
        if isinstance(ev, TurnStarted):
            self.turn_id = ev.turn_id
            return [
                (
                    "turn/started",
                    {"threadId": self.thread_id, "turn": self.turn(ev.turn_id, "inProgress")},
                )
            ]
        if isinstance(ev, UserMessageEvent):
            item: dict[str, Any] = {
                "type": "userMessage",
                "id": f"user-{ev.turn_id}-{len(self._text)}",
                "content": [{"type": "text", "text": ev.text, "text_elements": []}],
            }
            self._text[item["id"]] = []
            return [*self.start(item), *self.complete(item)]
        if isinstance(ev, AgentMessageDelta):
            out = self.start({"type": "agentMessage", "id": ev.item_id, "text": ""})
            return [*out, ("item/agentMessage/delta", self._p(itemId=ev.item_id, delta=ev.delta))]
        if isinstance(ev, AgentMessage):
            return self.complete({"type": "agentMessage", "id": ev.item_id, "text": ev.text})
        if isinstance(ev, ReasoningDeltaEvent):
            out = self.start({"type": "reasoning", "id": ev.item_id, "summary": [], "content": []})
            delta = self._p(itemId=ev.item_id, delta=ev.delta, summaryIndex=0)
            return [*out, ("item/reasoning/summaryTextDelta", delta)]
        if isinstance(ev, ReasoningEvent):
            return self.complete(
                {"type": "reasoning", "id": ev.item_id, "summary": [ev.text], "content": []}
            )
        if isinstance(ev, ExecApprovalRequest):
            return self.start(self.exec_item(ev.call_id, ev.command, ev.cwd))
        if isinstance(ev, ExecCommandBegin):
            return self.start(self.exec_item(ev.call_id, ev.command, ev.cwd))
        if isinstance(ev, ExecCommandOutputDelta):
            return [
                ("item/commandExecution/outputDelta", self._p(itemId=ev.call_id, delta=ev.chunk))
            ]
        if isinstance(ev, ExecCommandEnd):
            status = "completed" if ev.status == "completed" and ev.exit_code == 0 else "failed"
            if ev.status == "declined":
                status = "declined"
            item = self._open.get(ev.call_id) or self.exec_item(ev.call_id, ev.command, "")
            return self.complete(
                {
                    **item,
                    "status": status,
                    "exitCode": ev.exit_code,
                    "durationMs": ev.duration_ms,
                    "aggregatedOutput": ev.aggregated_output,
                }
            )
        if isinstance(ev, PatchApprovalRequest):
            return self.start(self.patch_item(ev.call_id, ev.changes))
        if isinstance(ev, PatchApplyBegin):
            return self.start(self.patch_item(ev.call_id, ev.changes))
        if isinstance(ev, PatchApplyEnd):
            item = self.patch_item(ev.call_id, ev.changes)
            status = "declined" if ev.call_id in self.declined else "failed"
            return self.complete({**item, "status": "completed" if ev.success else status})
        if isinstance(ev, ToolCallBegin):
            return self.start(self.tool_item(ev.call_id, ev.tool, ev.arguments))
        if isinstance(ev, ToolCallEnd):
            item = self._open.get(ev.call_id) or self.tool_item(ev.call_id, ev.tool, "")
            done: dict[str, Any] = {**item, "status": "completed" if ev.success else "failed"}
            done["durationMs"] = ev.duration_ms
            if ev.success:
                done["result"] = {"content": [{"type": "text", "text": ev.output}]}
            else:
                done["error"] = {"message": ev.output}
            return self.complete(done)
        if isinstance(ev, PlanUpdate):
            return [("turn/plan/updated", self._p(plan=plan(ev.plan), explanation=ev.explanation))]
        if isinstance(ev, TokenCount):
            token_usage = {
                "total": usage(ev.session_total),
                "last": usage(ev.last),
                "modelContextWindow": ev.model_context_window,
            }
            return [("thread/tokenUsage/updated", self._p(tokenUsage=token_usage))]
        if isinstance(ev, Warning):
            return [("warning", {"threadId": self.thread_id, "message": ev.message})]
        if isinstance(ev, Error) and ev.turn_id:
            err = {"message": ev.error.message}
            return [("error", self._p(error=err, willRetry=False))]
        if isinstance(ev, TurnComplete):
            return self.end("completed")
        if isinstance(ev, TurnAborted):
            return self.end("interrupted")
        if isinstance(ev, TurnFailed):
            err = {"message": ev.error.message}
            return [
                ("error", self._p(error=err, willRetry=False)),
                *self.end("failed", ev.error.message),
            ]
        return []

    def tool_item(self, call_id: str, tool: str, arguments: str) -> dict[str, Any]:
        try:
            args: Any = json.loads(arguments) if arguments else {}
        except ValueError:
            args = arguments
        return {
            "type": "mcpToolCall",
            "id": call_id,
            "server": "burro",
            "tool": tool,
            "arguments": args,
            "status": "inProgress",
        }

    def turn(self, turn_id: str, status: str, error: str | None = None) -> dict[str, Any]:
        return turn(turn_id, status, error=error, started=self.started_ms)

    def end(self, status: str, error: str | None = None) -> list[Note]:
        """Close what is still open (a declined or cut-off call), then the turn."""
        out: list[Note] = []
        for item in list(self._open.values()):
            closing = {**item}
            if item["type"] in ("commandExecution", "fileChange"):
                closing["status"] = "declined" if status == "completed" else "failed"
            elif item["type"] == "mcpToolCall":
                closing["status"] = "failed"
            out += self.complete(closing)
        turn_obj = self.turn(self.turn_id, status, error)
        return [*out, ("turn/completed", {"threadId": self.thread_id, "turn": turn_obj})]


def history(thread_id: str, events: list[Event]) -> list[dict[str, Any]]:
    """A saved session's turns with their completed items, as ``thread.turns`` shows
    them (a turn cut off by a crash is ``interrupted``)."""
    turns: dict[str, dict[str, Any]] = {}
    mappers: dict[str, TurnMapper] = {}
    for ev in events:
        turn_id = getattr(ev, "turn_id", None)
        if not isinstance(turn_id, str) or not turn_id:
            continue
        mapper = mappers.setdefault(turn_id, TurnMapper(thread_id, turn_id=turn_id))
        entry = turns.setdefault(turn_id, {"id": turn_id, "items": [], "status": "interrupted"})
        for method, params in mapper.notes(ev):
            if method == "item/completed":
                entry["items"].append(params["item"])
            elif method == "turn/completed":
                entry["status"] = params["turn"]["status"]
                if "error" in params["turn"]:
                    entry["error"] = params["turn"]["error"]
    return list(turns.values())
