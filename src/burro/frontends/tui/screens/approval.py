"""The approval dialog: a command or patch shown in full; approve once, approve for the
session, deny, or abort the turn."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from burro.frontends.tui import render
from burro.protocol import events as ev
from burro.protocol.ops import ReviewDecision

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
    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > #dialog { width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2; }
    ApprovalScreen #request { height: auto; max-height: 30; }
    ApprovalScreen #buttons { height: auto; margin-top: 1; }
    ApprovalScreen Button { margin-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide('approved')", "Approve once"),
        Binding("s", "decide('approved_for_session')", "Approve for session"),
        Binding("n,d", "decide('denied')", "Deny"),
        Binding("escape,a", "decide('abort')", "Abort turn"),
    ]

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        session_label = (
            "Yes, for this session (s)"
            if isinstance(self.request, ev.ExecApprovalRequest)
            else "Yes, and don't ask again for these files (s)"
        )
        with Vertical(id="dialog"):
            with VerticalScroll(id="request"):
                yield Static(request_view(self.request))
            with Horizontal(id="buttons"):
                yield Button("Yes, once (y)", id="approved", variant="success")
                yield Button(session_label, id="approved_for_session", variant="primary")
                yield Button("No (n)", id="denied", variant="warning")
                yield Button("Abort turn (esc)", id="abort", variant="error")

    def on_mount(self) -> None:
        self.query_one("#approved", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_decide(event.button.id or "abort")

    def action_decide(self, decision: str) -> None:
        choices: dict[str, ReviewDecision] = {
            "approved": "approved",
            "approved_for_session": "approved_for_session",
            "denied": "denied",
            "abort": "abort",
        }
        self.dismiss(choices.get(decision, "abort"))
