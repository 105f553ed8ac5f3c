"""The chat: a transcript of finished items above the live cells of the running turn."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from burro.frontends.tui import render
from burro.frontends.tui.widgets.cells import (
    AgentCell,
    Cell,
    ExecCell,
    PatchCell,
    PlanCell,
    ReasoningCell,
    StaticCell,
    ToolCell,
)
from burro.frontends.tui.widgets.transcript import Transcript
from burro.protocol import events as ev


class ChatView(Vertical):
    """Finished items in the transcript (its own scroll view); the running turn's cells in
    a live area below it that grows up to 60% of the screen and then scrolls."""

    DEFAULT_CSS = """
    ChatView { height: 1fr; }
    ChatView > #live { height: auto; max-height: 60%; scrollbar-size-vertical: 1; }
    """
    can_focus = False

    def __init__(self, *, show_reasoning: bool = True) -> None:
        super().__init__(id="chat")
        self.show_reasoning = show_reasoning
        self._cells: dict[str, Cell] = {}
        self._plan: PlanCell | None = None

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")
        live = VerticalScroll(id="live")
        live.can_focus = False  # focus stays in the composer
        yield live

    def on_mount(self) -> None:
        self.live.anchor()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def live(self) -> VerticalScroll:
        return self.query_one("#live", VerticalScroll)

    def text(self) -> str:
        """Everything the chat shows, as plain text (finished and live)."""
        lines = self.transcript.plain_lines()
        console = self.app.console
        options = console.options.update_width(max(20, self.size.width - 2))
        for cell in self.live.query(Cell):
            if cell.flushed:
                continue
            for line in console.render_lines(cell.view(), options, pad=False):
                lines.append("".join(seg.text for seg in line).rstrip())
        return "\n".join(lines)

    # -- adding ------------------------------------------------------------------------
    def add(self, renderable: RenderableType) -> None:
        """A finished item: straight into the transcript unless live cells precede it."""
        if any(not getattr(c, "flushed", False) for c in self.live.children):
            self._mount(StaticCell(renderable))
        else:
            self.transcript.append(renderable)

    def notice(self, text: str, *, style: str = "dim") -> None:
        self.add(render.notice(text, style=style))

    def clear(self) -> None:
        self.transcript.clear()
        self.live.remove_children()
        self._cells.clear()
        self._plan = None

    def _mount(self, cell: Cell) -> None:
        self.live.mount(cell)

    def _cell(self, key: str) -> Cell | None:
        return self._cells.get(key)

    def _new(self, key: str, cell: Cell) -> None:
        self._cells[key] = cell
        self._mount(cell)

    def flush(self, *, all_cells: bool = False) -> None:
        """Move finished leading cells (all cells at turn end) into the transcript."""
        moved: list[RenderableType] = []
        for child in list(self.live.children):
            # A cell removed by an earlier flush stays a child until the removal is
            # processed; events that arrive in a burst (a replay) must not copy it again.
            if not isinstance(child, Cell) or child.flushed:
                continue
            if not (child.finished or all_cells):
                break
            moved.append(child.view())
            child.flushed = True
            child.remove()
        if moved:
            self.transcript.extend(moved)
        if all_cells:
            self._cells.clear()
            self._plan = None
        else:
            self._cells = {k: c for k, c in self._cells.items() if not c.finished}

    # -- events ------------------------------------------------------------------------
    def replay(self, events: Iterable[ev.Event]) -> None:
        """Render a recorded session (finished items only) straight into the transcript."""
        items: list[RenderableType] = []
        for e in events:
            r = self._recorded(e)
            if r is not None:
                items.append(r)
        self.transcript.extend(items)

    def _recorded(self, e: ev.Event) -> RenderableType | None:
        if isinstance(e, ev.UserMessageEvent):
            return render.user_message(e.text)
        if isinstance(e, ev.AgentMessage):
            return render.agent_message(e.text)
        if isinstance(e, ev.ReasoningEvent):
            return render.reasoning_summary(e.text, done=True) if self.show_reasoning else None
        if isinstance(e, ev.ExecCommandEnd):
            return render.exec_cell(
                e.command,
                output=e.aggregated_output,
                exit_code=e.exit_code,
                duration_ms=e.duration_ms,
                status=e.status,
            )
        if isinstance(e, ev.PatchApplyEnd):
            return render.patch_cell(e.changes, success=e.success, reason=e.stderr)
        if isinstance(e, ev.PlanUpdate):
            return render.plan_cell(e.plan, explanation=e.explanation)
        if isinstance(e, ev.ToolCallEnd):
            return render.tool_cell(
                e.tool, "", output=e.output, success=e.success, duration_ms=e.duration_ms
            )
        if isinstance(e, ev.TurnAborted):
            return render.notice("■ turn interrupted", style="yellow")
        if isinstance(e, ev.TurnFailed):
            return render.notice(f"■ {e.error.message}", style="red")
        if isinstance(e, ev.ContextCompacted):
            return render.notice("• context compacted", style="dim")
        if isinstance(e, ev.ExitedReviewMode) and e.output is not None:
            return render.review_cell(e.output)
        return None

    def handle(self, e: ev.Event) -> None:
        if isinstance(e, ev.UserMessageEvent):
            self.add(render.user_message(e.text))
        elif isinstance(e, ev.AgentMessageDelta):
            cell = self._cell(e.item_id)
            if not isinstance(cell, AgentCell):
                cell = AgentCell()
                self._new(e.item_id, cell)
            cell.append(e.delta)
        elif isinstance(e, ev.AgentMessage):
            cell = self._cell(e.item_id)
            if isinstance(cell, AgentCell):
                cell.text = e.text
                cell.finish()
                self.flush()
            else:
                self.add(render.agent_message(e.text))
        elif isinstance(e, ev.ReasoningDeltaEvent):
            if not self.show_reasoning:
                return
            cell = self._cell("r:" + e.item_id)
            if not isinstance(cell, ReasoningCell):
                cell = ReasoningCell()
                self._new("r:" + e.item_id, cell)
            cell.append(e.delta)
        elif isinstance(e, ev.ReasoningEvent):
            if not self.show_reasoning:
                return
            cell = self._cell("r:" + e.item_id)
            if isinstance(cell, ReasoningCell):
                cell.text = e.text or cell.text
                cell.finish()
                self.flush()
            elif e.text.strip():
                self.add(render.reasoning_summary(e.text, done=True))
        elif isinstance(e, ev.ExecCommandBegin):
            self._new(e.call_id, ExecCell(e.command))
        elif isinstance(e, ev.ExecCommandOutputDelta):
            cell = self._cell(e.call_id)
            if isinstance(cell, ExecCell):
                cell.add_output(e.chunk)
        elif isinstance(e, ev.ExecCommandEnd):
            cell = self._cell(e.call_id)
            if not isinstance(cell, ExecCell):
                cell = ExecCell(e.command)
                self._new(e.call_id, cell)
            cell.end(
                exit_code=e.exit_code,
                duration_ms=e.duration_ms,
                status=e.status,
                output=e.aggregated_output,
            )
            self.flush()
        elif isinstance(e, ev.PatchApplyBegin):
            self._new(e.call_id, PatchCell(list(e.changes)))
        elif isinstance(e, ev.PatchApplyEnd):
            cell = self._cell(e.call_id)
            if isinstance(cell, PatchCell):
                cell.end(success=e.success, changes=list(e.changes), reason=e.stderr)
                self.flush()
            else:
                self.add(render.patch_cell(e.changes, success=e.success, reason=e.stderr))
        elif isinstance(e, ev.PlanUpdate):
            if self._plan is not None and self._plan.parent is not None:
                self._plan.set_plan(list(e.plan), e.explanation)
            else:
                self._plan = PlanCell(list(e.plan), e.explanation)
                self._mount(self._plan)
        elif isinstance(e, ev.ToolCallBegin):
            self._new(e.call_id, ToolCell(e.tool, e.arguments))
        elif isinstance(e, ev.ToolCallEnd):
            cell = self._cell(e.call_id)
            if not isinstance(cell, ToolCell):
                cell = ToolCell(e.tool, "")
                self._new(e.call_id, cell)
            cell.end(output=e.output, success=e.success, duration_ms=e.duration_ms)
            self.flush()
        elif isinstance(e, ev.TurnComplete | ev.TurnAborted | ev.TurnFailed):
            self._end_turn(e)
        else:
            self._other(e)

    def _end_turn(self, e: ev.TurnComplete | ev.TurnAborted | ev.TurnFailed) -> None:
        for cell in self.live.query(Cell):
            if isinstance(cell, ExecCell):
                cell.abort()
            elif not cell.finished:
                cell.finish()
        self.flush(all_cells=True)
        if isinstance(e, ev.TurnAborted):
            why = {"interrupted": "interrupted", "budget": "stopped: budget reached"}
            self.notice(f"■ turn {why.get(e.reason, e.reason)}", style="yellow")
        elif isinstance(e, ev.TurnFailed):
            self.notice(f"■ {e.error.message}", style="red")

    def _other(self, e: ev.Event) -> None:
        if isinstance(e, ev.EnteredReviewMode):
            self.notice(f"• reviewing {e.hint} (read-only, in a separate session)…")
        elif isinstance(e, ev.ExitedReviewMode) and e.output is not None:
            self.add(render.review_cell(e.output))
        elif isinstance(e, ev.Warning):
            self.notice(f"⚠ {e.message}", style="yellow")
        elif isinstance(e, ev.Error):
            self.notice(f"■ {e.error.message}", style="red")
        elif isinstance(e, ev.StreamRetry):
            self.notice(
                f"⟳ {e.message}; retrying ({e.attempt}/{e.max_attempts}) in {e.delay_s:.1f}s",
                style="yellow",
            )
        elif isinstance(e, ev.ContextCompacted):
            how = "automatically" if e.automatic else "on request"
            self.notice(
                f"• context compacted {how}: {e.items_before} → {e.items_after} items "
                f"({render.human_tokens(e.tokens_before)} tokens before)"
            )
        elif isinstance(e, ev.CompletionNudge):
            self.notice(
                f"• plan has open steps; asking the model to continue "
                f"({e.attempt}/{e.max_attempts})"
            )
        elif isinstance(e, ev.UndoComplete):
            if e.success:
                files = ", ".join(e.restored) if e.restored else "no files"
                self.notice(f"↶ {e.message or 'undone'} (restored: {files})", style="green")
            else:
                self.notice(f"↶ undo failed: {e.message}", style="red")
