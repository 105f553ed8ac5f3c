"""The approval dialog: a command or patch shown in full; approve once, approve for the
session, deny, or abort the turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from burro.frontends.tui import render
from burro.protocol import events as ev
from burro.protocol.ops import ExecApproval, Op, PatchApproval, ReviewDecision

if TYPE_CHECKING:
    from burro.frontends.tui.app import BurroApp

Request = ev.ExecApprovalRequest | ev.PatchApprovalRequest


def request_view(req: Request) -> RenderableType:
    if isinstance(req, ev.ExecApprovalRequest):
        parts: list[RenderableType] = [
            Text("Run this command?", style="bold"),
            Text(""),
            Text.assemble(("$ ", "dim"), (req.command, "bold cyan")),
            Text(f"in {req.cwd}", style="dim"),
        ]
        if req.retry_unsandboxed:
            parts.append(Text("It failed in the sandbox; it would run without it.", style="yellow"))
    else:
        parts = [Text("Apply these changes?", style="bold"), Text("")]
        parts.append(render.patch_cell(req.changes, success=None))
    if req.reason:
        parts += [Text(""), Text(f"Reason: {req.reason}", style="italic")]
    return Group(*parts)


class ApprovalScreen(ModalScreen[ReviewDecision]):
    """The request scrolls; the choices below it are one line each and always on screen
    (four buttons side by side did not fit 80 columns)."""

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > #dialog { width: 95%; max-width: 110; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ApprovalScreen #request { height: auto; max-height: 30; }
    ApprovalScreen #choices { height: auto; margin-top: 1; border: none; padding: 0;
        background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide('approved')", "Approve once"),
        Binding("s", "decide('approved_for_session')", "Approve for session"),
        Binding("n,d", "decide('denied')", "Deny"),
        Binding("escape,a", "decide('abort')", "Abort turn"),
    ]
    CHROME_LINES = 8  # border, margins and the four choices around the request

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        session_label = (
            "Yes, and don't ask again this session (s)"
            if isinstance(self.request, ev.ExecApprovalRequest)
            else "Yes, and don't ask again for these files (s)"
        )
        with Vertical(id="dialog"):
            with VerticalScroll(id="request"):
                yield Static(request_view(self.request))
            yield OptionList(
                Option("Yes, once (y)", id="approved"),
                Option(session_label, id="approved_for_session"),
                Option("No, the model continues without it (n)", id="denied"),
                Option("Abort the turn (esc)", id="abort"),
                id="choices",
            )

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        choices.highlighted = 0
        choices.focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The request gets what the screen has left after the choices."""
        room = max(3, self.size.height - self.CHROME_LINES)
        self.query_one("#request").styles.max_height = min(30, room)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_decide(event.option.id or "abort")

    def action_decide(self, decision: str) -> None:
        choices: dict[str, ReviewDecision] = {
            "approved": "approved",
            "approved_for_session": "approved_for_session",
            "denied": "denied",
            "abort": "abort",
        }
        self.dismiss(choices.get(decision, "abort"))


_LABELS = {
    "approved": "approved once",
    "approved_for_session": "approved for this session",
    "denied": "denied",
    "abort": "aborted the turn",
}


def ask(app: BurroApp, req: Request) -> None:
    """Open the dialog; the decision goes to the session that asked."""
    handle = app.handle

    def answer(decision: ReviewDecision | None) -> None:
        decision = decision or "abort"
        op: Op
        if isinstance(req, ev.ExecApprovalRequest):
            op = ExecApproval(call_id=req.call_id, decision=decision)
        else:
            op = PatchApproval(call_id=req.call_id, decision=decision)
        if handle is not None:
            handle.submit(op)
        what = req.command if isinstance(req, ev.ExecApprovalRequest) else "patch"
        app.chat.notice(f"✓ you {_LABELS[decision]}: {what}", style="dim")

    app.push_screen(ApprovalScreen(req), answer)


_SETTLES = (ev.ExecCommandBegin, ev.ExecCommandEnd, ev.PatchApplyBegin, ev.PatchApplyEnd)
_TURN_END = (ev.TurnComplete, ev.TurnAborted, ev.TurnFailed)


def settle(app: BurroApp, e: ev.Event) -> None:
    """Close an open dialog whose request was answered elsewhere (a task on a server is
    also answered from the web page or another terminal): its call started, or the turn
    ended. Nothing is sent for it."""
    screen = app.screen
    if not isinstance(screen, ApprovalScreen):
        return
    same_call = isinstance(e, _SETTLES) and e.call_id == screen.request.call_id
    if same_call or isinstance(e, _TURN_END):
        app.pop_screen()
        app.chat.notice("• the approval was answered elsewhere", style="dim")
