"""Maps protocol Events to the ``exec --json`` line format (the shapes of Codex's exec
JSON, so tools built for that format work with burro)."""

from __future__ import annotations

from typing import Any

from burro.protocol import events as ev
from burro.protocol.common import FileChange, PlanStep

JsonLine = dict[str, Any]


def _changes(changes: list[FileChange]) -> list[dict[str, str]]:
    return [{"path": c.move_path or c.path, "kind": c.kind} for c in changes]


def _todo(plan: list[PlanStep]) -> list[dict[str, Any]]:
    return [{"text": s.step, "completed": s.status == "completed"} for s in plan]


class JsonlMapper:
    """Stateful: allocates ``item_N`` ids and completes items left open at turn end."""

    def __init__(self) -> None:
        self._next = 0
        self._by_call: dict[str, JsonLine] = {}
        self._todo: JsonLine | None = None

    def _new_id(self) -> str:
        self._next += 1
        return f"item_{self._next}"

    def _item(self, kind: str, **fields: Any) -> JsonLine:
        return {"id": self._new_id(), "type": kind, **fields}

    def map(self, event: ev.Event) -> list[JsonLine]:
        if isinstance(event, ev.SessionConfigured):
            return [{"type": "thread.started", "thread_id": event.session_id}]
        if isinstance(event, ev.TurnStarted):
            return [{"type": "turn.started"}]
        if isinstance(event, ev.AgentMessage):
            return [
                {"type": "item.completed", "item": self._item("agent_message", text=event.text)}
            ]
        if isinstance(event, ev.ReasoningEvent):
            if not event.text:
                return []
            return [{"type": "item.completed", "item": self._item("reasoning", text=event.text)}]
        if isinstance(event, ev.ExecCommandBegin):
            item = self._item(
                "command_execution",
                command=event.command,
                aggregated_output="",
                status="in_progress",
            )
            self._by_call[event.call_id] = item
            return [{"type": "item.started", "item": dict(item)}]
        if isinstance(event, ev.ExecCommandEnd):
            item = self._by_call.pop(event.call_id, {}) or self._item(
                "command_execution", command=event.command
            )
            item["aggregated_output"] = event.aggregated_output
            item["exit_code"] = event.exit_code
            item["status"] = _exec_status(event)
            return [{"type": "item.completed", "item": item}]
        if isinstance(event, ev.PatchApplyBegin):
            item = self._item("file_change", changes=_changes(event.changes), status="in_progress")
            self._by_call[event.call_id] = item
            return [{"type": "item.started", "item": dict(item)}]
        if isinstance(event, ev.PatchApplyEnd):
            item = self._by_call.pop(event.call_id, {}) or self._item("file_change")
            if event.changes:
                item["changes"] = _changes(event.changes)
            item.setdefault("changes", [])
            item["status"] = "completed" if event.success else "failed"
            return [{"type": "item.completed", "item": item}]
        if isinstance(event, ev.PlanUpdate):
            if self._todo is None:
                self._todo = self._item("todo_list", items=_todo(event.plan))
                return [{"type": "item.started", "item": dict(self._todo)}]
            self._todo["items"] = _todo(event.plan)
            return [{"type": "item.updated", "item": dict(self._todo)}]
        if isinstance(event, ev.ToolCallBegin):
            item = self._item(
                "mcp_tool_call",
                server=event.mcp_server or "burro",
                tool=event.mcp_tool or event.tool,
                arguments=event.arguments,
                status="in_progress",
            )
            self._by_call[event.call_id] = item
            return [{"type": "item.started", "item": dict(item)}]
        if isinstance(event, ev.ToolCallEnd):
            item = self._by_call.pop(event.call_id, {}) or self._item(
                "mcp_tool_call",
                server=event.mcp_server or "burro",
                tool=event.mcp_tool or event.tool,
                arguments="",
            )
            if event.success:
                item["result"] = {"content": [{"type": "text", "text": event.output}]}
                item["status"] = "completed"
            else:
                item["error"] = {"message": event.output}
                item["status"] = "failed"
            return [{"type": "item.completed", "item": item}]
        if isinstance(event, ev.Warning):
            return [{"type": "item.completed", "item": self._item("error", message=event.message)}]
        if isinstance(event, ev.StreamRetry):
            msg = f"Reconnecting... {event.attempt}/{event.max_attempts} ({event.message})"
            return [{"type": "item.completed", "item": self._item("error", message=msg)}]
        if isinstance(event, ev.Error):
            return [{"type": "error", "message": event.error.message}]
        if isinstance(event, ev.TurnComplete):
            return [*self._close_open(), {"type": "turn.completed", "usage": _usage(event.usage)}]
        if isinstance(event, ev.TurnFailed):
            return [
                *self._close_open(),
                {"type": "turn.failed", "error": {"message": event.error.message}},
            ]
        if isinstance(event, ev.TurnAborted):
            return [
                *self._close_open(),
                {"type": "turn.failed", "error": {"message": "turn interrupted by the user"}},
            ]
        return []

    def _close_open(self) -> list[JsonLine]:
        out: list[JsonLine] = []
        for item in self._by_call.values():
            item["status"] = "failed"
            out.append({"type": "item.completed", "item": item})
        self._by_call.clear()
        if self._todo is not None:
            out.append({"type": "item.completed", "item": self._todo})
            self._todo = None
        return out


def _exec_status(event: ev.ExecCommandEnd) -> str:
    if event.status == "declined":
        return "declined"
    if event.status == "completed" and event.exit_code == 0:
        return "completed"
    return "failed"


def _usage(u: Any) -> dict[str, int]:
    return {
        "input_tokens": u.input_tokens,
        "cached_input_tokens": u.cached_input_tokens,
        "output_tokens": u.output_tokens,
        "reasoning_output_tokens": u.reasoning_output_tokens,
    }
