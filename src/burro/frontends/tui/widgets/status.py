"""The status line: model, effort, sandbox/approvals, context left, tokens, cwd and branch;
and the activity line above the composer (working indicator, hints)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from burro.frontends.tui import render
from burro.protocol.common import TokenUsage


@dataclass
class StatusInfo:
    model: str = ""
    effort: str | None = None
    sandbox: str = ""
    approval: str = ""
    window: int | None = None
    last: TokenUsage | None = None
    total: TokenUsage | None = None
    cwd: str = ""
    branch: str | None = None


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__("", id="status")
        self.info = StatusInfo()

    def set(self, **changes: object) -> None:
        for key, value in changes.items():
            setattr(self.info, key, value)
        self.update(self.line())

    def line(self) -> Text:
        i = self.info
        sep = (" · ", "dim")
        model = i.model + (f" {i.effort}" if i.effort else "")
        left = render.context_left(i.last, i.window) if i.last is not None else None
        left_text = f"{left}% context left" if left is not None else "100% context left"
        used = render.usage_line(i.total) if i.total is not None else "0 tokens"
        where = i.cwd + (f" ({i.branch})" if i.branch else "")
        return Text.assemble(
            (model or "…", "bold"),
            sep,
            f"{i.sandbox}/{i.approval}" if i.sandbox else "",
            sep,
            left_text,
            sep,
            used,
            sep,
            (where, "dim"),
            no_wrap=True,
            overflow="ellipsis",
        )


class ActivityLine(Static):
    """ "Working (12s · esc to interrupt)" while a turn runs, or a one-line hint."""

    DEFAULT_CSS = """
    ActivityLine { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, *, clock: Callable[[], float]) -> None:
        super().__init__("", id="activity")
        self._clock = clock
        self._since: float | None = None
        self._label = "Working"
        self.hint = ""

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def start(self, label: str = "Working") -> None:
        self._since, self._label = self._clock(), label
        self.hint = ""
        self._tick()

    def stop(self) -> None:
        self._since = None
        self._tick()

    @property
    def working(self) -> bool:
        return self._since is not None

    def show_hint(self, text: str) -> None:
        self.hint = text
        self._tick()

    def _tick(self) -> None:
        if self._since is not None:
            secs = int(self._clock() - self._since)
            text = Text.assemble(
                ("● ", "bold yellow"),
                (self._label, "bold"),
                (f" ({secs}s · esc to interrupt)", "dim"),
            )
            if self.hint:
                text.append(f"  {self.hint}", style="dim")
            self.update(text)
        else:
            self.update(Text(self.hint, style="dim"))
