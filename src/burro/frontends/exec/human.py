"""Human-readable progress for ``burro exec``: everything goes to stderr; only the
final message goes to stdout (written by the runner)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from burro.protocol import events as ev
from burro.util.display import strip_shell_wrapper, tool_arguments

_MAX_OUTPUT_LINES = 12
PROGRESS_EVERY_S = 15.0


class HumanRenderer:
    def __init__(
        self,
        out: TextIO,
        *,
        color: bool,
        show_reasoning: bool = True,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._out = out
        self._color = color
        self._show_reasoning = show_reasoning
        self._args: dict[str, str] = {}  # call id -> tool arguments, until the call ends
        self._estimated = False  # the server reported no usage this turn
        # Progress while text streams: a line rewritten in place on a terminal, else a
        # line every PROGRESS_EVERY_S, so a long or looping answer never looks like a hang.
        self._live = out.isatty() if live is None else live
        self._clock = clock
        self._stream_chars = 0
        self._stream_start: float | None = None
        self._last_progress = 0.0
        self._progress_shown = False

    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._color else text

    def _line(self, text: str = "") -> None:
        if self._progress_shown and self._live:
            self._out.write("\r\x1b[K")
        self._progress_shown = False
        self._out.write(text + "\n")
        self._out.flush()

    def _progress(self, delta: str) -> None:
        now = self._clock()
        if self._stream_start is None:
            self._stream_start = self._last_progress = now
        self._stream_chars += len(delta)
        every = 1.0 if self._live else PROGRESS_EVERY_S
        if now - self._last_progress < every:
            return
        self._last_progress = now
        text = f"… receiving: ~{self._stream_chars // 4:,} tokens, {now - self._stream_start:.0f}s"
        if self._live:
            self._out.write("\r\x1b[K" + self._style(text, "2"))
            self._out.flush()
            self._progress_shown = True
        else:
            self._line(self._style(text, "2"))

    def _stream_done(self) -> None:
        self._stream_chars = 0
        self._stream_start = None

    def render(self, event: ev.Event) -> None:
        if isinstance(event, ev.AgentMessageDelta | ev.ReasoningDeltaEvent):
            self._progress(event.delta)
            return
        if isinstance(event, ev.AgentMessage | ev.ReasoningEvent | ev.TurnFailed):
            self._stream_done()
        if isinstance(event, ev.TokenCount):
            self._estimated = self._estimated or event.estimated
        elif isinstance(event, ev.SessionConfigured):
            effort = f" · effort {event.reasoning_effort}" if event.reasoning_effort else ""
            self._line(self._style(f"burro · {event.model} ({event.provider}){effort}", "1"))
            self._line(self._style(f"session {event.session_id} · {event.cwd}", "2"))
        elif isinstance(event, ev.UserMessageEvent):
            self._line(self._style("user", "36;1"))
            self._line(event.text)
        elif isinstance(event, ev.ReasoningEvent) and self._show_reasoning and event.text:
            self._line(self._style("thinking", "35;1"))
            self._line(self._style(event.text, "3"))
        elif isinstance(event, ev.ExecCommandBegin):
            self._line(self._style("exec", "35;1") + f" {strip_shell_wrapper(event.command)}")
        elif isinstance(event, ev.ExecCommandEnd):
            ok = event.status == "completed" and event.exit_code == 0
            mark = self._style("✓", "32") if ok else self._style("✗", "31")
            what = "timed out" if event.status == "timed_out" else f"exit {event.exit_code}"
            if event.status == "aborted":
                what = "aborted"
            elif event.status == "declined":
                what = "declined"
            self._line(f"  {mark} {what} · {event.duration_ms} ms")
            # The tail: a test run's summary (and most errors) come last.
            lines = event.aggregated_output.splitlines()
            if len(lines) > _MAX_OUTPUT_LINES:
                self._line(self._style(f"  … {len(lines) - _MAX_OUTPUT_LINES} earlier lines", "2"))
            for text in lines[-_MAX_OUTPUT_LINES:]:
                self._line(self._style("  " + text[:200], "2"))
        elif isinstance(event, ev.PatchApplyEnd):
            status = (
                self._style("applied", "32") if event.success else self._style("not applied", "31")
            )
            self._line(self._style("apply_patch", "35;1") + f" {status}")
            for change in event.changes:
                self._line(f"  {change.kind[0].upper()} {change.move_path or change.path}")
                for dl in change.unified_diff.splitlines()[:40]:
                    code = "32" if dl.startswith("+") else "31" if dl.startswith("-") else "2"
                    self._line("    " + self._style(dl, code))
            if not event.success and event.stderr:
                self._line(self._style("  " + event.stderr.strip(), "31"))
        elif isinstance(event, ev.PlanUpdate):
            self._line(self._style("plan", "35;1"))
            for step in event.plan:
                box = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}[step.status]
                self._line(f"  {box} {step.step}")
        elif isinstance(event, ev.ToolCallBegin):
            self._args[event.call_id] = event.arguments
        elif isinstance(event, ev.ToolCallEnd):
            mark = self._style("✓", "32") if event.success else self._style("✗", "31")
            args = tool_arguments(self._args.pop(event.call_id, ""))
            first = event.output.splitlines()[0] if event.output else ""
            self._line(f"{self._style(event.tool, '35;1')} {args[:120]}")
            self._line(f"  {mark} {first[:160]}")
        elif isinstance(event, ev.AgentMessage):
            self._line(self._style("burro", "34;1"))
            self._line(event.text)
        elif isinstance(event, ev.StreamRetry):
            self._line(
                self._style(
                    f"reconnecting {event.attempt}/{event.max_attempts} in {event.delay_s:.1f}s: "
                    f"{event.message}",
                    "33",
                )
            )
        elif isinstance(event, ev.Warning):
            self._line(self._style(f"warning: {event.message}", "33"))
        elif isinstance(event, ev.Error):
            self._line(self._style(f"error: {event.error.message}", "31"))
        elif isinstance(event, ev.TurnFailed):
            self._line(self._style(f"error: {event.error.message}", "31;1"))
        elif isinstance(event, ev.TurnAborted):
            self._line(self._style("turn interrupted", "33;1"))
        elif isinstance(event, ev.TurnComplete):
            u = event.usage
            if self._estimated:
                text = (
                    f"tokens used: ~{u.input_tokens + u.output_tokens} (estimated: the server "
                    f"reported no usage; input ~{u.input_tokens}, output ~{u.output_tokens})"
                )
            else:
                text = (
                    f"tokens used: {u.input_tokens + u.output_tokens} "
                    f"(input {u.input_tokens}, cached {u.cached_input_tokens}, "
                    f"output {u.output_tokens}, reasoning {u.reasoning_output_tokens})"
                )
            self._line(self._style(text, "2"))
