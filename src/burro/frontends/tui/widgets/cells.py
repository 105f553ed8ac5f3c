"""Live chat cells: the items of the running turn, updated in place as events arrive.

A cell is a Static holding its state; ``view()`` gives its renderable. When a cell and
every cell before it are finished, the chat moves them into the transcript."""

from __future__ import annotations

from rich.console import RenderableType
from textual.widgets import Static

from burro.frontends.tui import render
from burro.protocol.common import FileChange, PlanStep

STREAM_REFRESH_S = 1 / 30
MAX_LIVE_OUTPUT = 64 * 1024


class Cell(Static):
    DEFAULT_CSS = """
    Cell { height: auto; width: 1fr; padding: 0 1 1 1; }
    """

    def __init__(self) -> None:
        super().__init__("")
        self.finished = False
        self.flushed = False  # copied into the transcript; its removal is on its way
        self._dirty = False

    def view(self) -> RenderableType:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.update(self.view())

    def changed(self, *, now: bool = False) -> None:
        """Re-render, at most ~30 times a second while streaming."""
        if not self.is_mounted:
            return
        if now:
            self._dirty = False
            self.update(self.view())
            return
        if not self._dirty:
            self._dirty = True
            self.set_timer(STREAM_REFRESH_S, self._flush)

    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.update(self.view())

    def finish(self) -> None:
        self.finished = True
        self.changed(now=True)


class StaticCell(Cell):
    def __init__(self, renderable: RenderableType) -> None:
        super().__init__()
        self._renderable = renderable
        self.finished = True

    def view(self) -> RenderableType:
        return self._renderable


class AgentCell(Cell):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def append(self, delta: str) -> None:
        self.text += delta
        self.changed()

    def view(self) -> RenderableType:
        return render.agent_message(self.text)


class ReasoningCell(Cell):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def append(self, delta: str) -> None:
        self.text += delta
        self.changed()

    def view(self) -> RenderableType:
        return render.reasoning_summary(self.text, done=self.finished)


class ExecCell(Cell):
    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command
        self.output = ""
        self.exit_code: int | None = None
        self.duration_ms: int | None = None
        self.status = "running"

    def add_output(self, chunk: str) -> None:
        self.output = (self.output + chunk)[-MAX_LIVE_OUTPUT:]
        self.changed()

    def end(self, *, exit_code: int | None, duration_ms: int, status: str, output: str) -> None:
        self.exit_code, self.duration_ms, self.status = exit_code, duration_ms, status
        if output:
            self.output = output[-MAX_LIVE_OUTPUT:]
        self.finish()

    def abort(self) -> None:
        if self.status == "running":
            self.status = "aborted"
        self.finish()

    def view(self) -> RenderableType:
        return render.exec_cell(
            self.command,
            output=self.output,
            exit_code=self.exit_code,
            duration_ms=self.duration_ms,
            status=self.status,
        )


class PatchCell(Cell):
    def __init__(self, changes: list[FileChange]) -> None:
        super().__init__()
        self.changes = changes
        self.success: bool | None = None
        self.reason = ""

    def end(self, *, success: bool, changes: list[FileChange], reason: str = "") -> None:
        self.success = success
        self.reason = reason
        if changes:
            self.changes = changes
        self.finish()

    def view(self) -> RenderableType:
        return render.patch_cell(self.changes, success=self.success, reason=self.reason)


class PlanCell(Cell):
    def __init__(self, plan: list[PlanStep], explanation: str | None) -> None:
        super().__init__()
        self.plan = plan
        self.explanation = explanation

    def set_plan(self, plan: list[PlanStep], explanation: str | None) -> None:
        self.plan, self.explanation = plan, explanation
        self.changed(now=True)

    def view(self) -> RenderableType:
        return render.plan_cell(self.plan, explanation=self.explanation)


class ToolCell(Cell):
    def __init__(self, tool: str, arguments: str) -> None:
        super().__init__()
        self.tool, self.arguments = tool, arguments
        self.output: str | None = None
        self.success = True
        self.duration_ms = 0

    def end(self, *, output: str, success: bool, duration_ms: int) -> None:
        self.output, self.success, self.duration_ms = output, success, duration_ms
        self.finish()

    def view(self) -> RenderableType:
        return render.tool_cell(
            self.tool,
            self.arguments,
            output=self.output,
            success=self.success,
            duration_ms=self.duration_ms,
        )
