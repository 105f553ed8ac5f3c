"""Rich renderables for chat cells: pure functions of protocol data, no widgets."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text

from burro.protocol.common import FileChange, PlanStep, TokenUsage
from burro.protocol.review import ReviewOutput
from burro.util.display import strip_shell_wrapper, tool_arguments

CODE_THEME = "monokai"
TAIL_LINES = 5


def user_message(text: str) -> RenderableType:
    body = Text(text.rstrip("\n"), style="bold")
    return Group(Text("› you", style="bold cyan"), Text.assemble("  ", body))


def agent_message(text: str) -> RenderableType:
    return Markdown(text or " ", code_theme=CODE_THEME)


def reasoning_summary(text: str, *, done: bool) -> RenderableType:
    lines = [ln.strip(" *#") for ln in text.strip().splitlines() if ln.strip(" *#")]
    first = lines[0] if lines else ""
    label = "▸ Thought" if done else "▸ Thinking"
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return Text.assemble(
        (label, "dim bold"), (": " if first else "", "dim"), (first, "dim italic"), (more, "dim")
    )


def _duration(ms: int) -> str:
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:.1f}s"


def _tail(output: str, n: int = TAIL_LINES) -> list[str]:
    lines = output.rstrip("\n").splitlines()
    return lines[-n:] if lines else []


def exec_cell(
    command: str,
    *,
    output: str,
    exit_code: int | None = None,
    duration_ms: int | None = None,
    status: str = "running",
) -> RenderableType:
    command = strip_shell_wrapper(command)
    running = status == "running"
    ok = status == "completed" and exit_code == 0
    bullet_style = "yellow" if running else ("green" if ok else "red")
    verb = "Running" if running else "Ran"
    parts: list[RenderableType] = [
        Text.assemble(("• ", bullet_style), (f"{verb} ", "bold"), (command, "cyan"))
    ]
    tail = _tail(output)
    hidden = len(output.rstrip("\n").splitlines()) - len(tail)
    if hidden > 0:
        parts.append(Text(f"  │ … {hidden} earlier lines", style="dim"))
    for line in tail:
        parts.append(Text.assemble(("  │ ", "dim"), (line[:400], "dim")))
    if not running:
        if status == "completed":
            result = f"exit {exit_code}"
        elif status == "declined":
            result = "declined by user"
        else:
            result = status.replace("_", " ")
        extra = f" · {_duration(duration_ms)}" if duration_ms is not None else ""
        parts.append(Text(f"  └ {result}{extra}", style="green" if ok else "red"))
    return Group(*parts)


def diff_text(diff: str, *, indent: str = "") -> Text:
    out = Text()
    for line in diff.splitlines():
        out.append(indent)
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("diff ") or line.startswith("index "):
            style = "bold dim"
        else:
            style = ""
        out.append(line + "\n", style=style)
    out.rstrip()
    return out


def _counts(diff: str) -> tuple[int, int]:
    plus = minus = 0
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            plus += 1
        elif line.startswith("-") and not line.startswith("---"):
            minus += 1
    return plus, minus


def patch_cell(
    changes: Sequence[FileChange], *, success: bool | None, reason: str = ""
) -> RenderableType:
    verbs = {"add": "Added", "delete": "Deleted", "update": "Edited"}
    if success is not True:  # asked about, or not applied: nothing was changed (yet)
        verbs = {"add": "Add", "delete": "Delete", "update": "Edit"}
    style = "yellow" if success is None else ("green" if success else "red")
    parts: list[RenderableType] = []
    for ch in changes:
        plus, minus = _counts(ch.unified_diff)
        name = f"{ch.path} → {ch.move_path}" if ch.move_path else ch.path
        parts.append(
            Text.assemble(
                ("• ", style),
                (verbs.get(ch.kind, "Changed") + " ", "bold"),
                (name, "cyan"),
                (" (", "dim"),
                (f"+{plus}", "green"),
                (" ", "dim"),
                (f"-{minus}", "red"),
                (")", "dim"),
            )
        )
        if ch.unified_diff:
            parts.append(diff_text(ch.unified_diff, indent="    "))
    if success is False:
        why = reason.strip().splitlines()[0] if reason.strip() else ""
        parts.append(Text("  └ not applied" + (f": {why}" if why else ""), style="red"))
    return Group(*parts) if parts else Text("• (empty patch)", style="dim")


def plan_cell(plan: Sequence[PlanStep], *, explanation: str | None = None) -> RenderableType:
    done = sum(1 for s in plan if s.status == "completed")
    parts: list[RenderableType] = [
        Text.assemble(("• ", "magenta"), ("Plan", "bold"), (f" {done}/{len(plan)} done", "dim"))
    ]
    if explanation:
        parts.append(Text(f"  {explanation}", style="dim italic"))
    for step in plan:
        if step.status == "completed":
            parts.append(Text.assemble("  ", ("✔ ", "green"), (step.step, "dim strike")))
        elif step.status == "in_progress":
            parts.append(Text.assemble("  ", ("◐ ", "bold cyan"), (step.step, "bold cyan")))
        else:
            parts.append(Text.assemble("  ", ("□ ", "dim"), step.step))
    return Group(*parts)


def tool_cell(
    tool: str, arguments: str, *, output: str | None, success: bool, duration_ms: int = 0
) -> RenderableType:
    args = tool_arguments(arguments)
    if len(args) > 100:
        args = args[:99] + "…"
    running = output is None
    style = "yellow" if running else ("green" if success else "red")
    parts: list[RenderableType] = [
        Text.assemble(("• ", style), (tool, "bold"), (" ", ""), (args, "dim"))
    ]
    if output is not None:
        lines = output.strip().splitlines()
        first = lines[0][:100] if lines else ""
        more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
        result = "ok" if success else "failed"
        parts.append(
            Text(f"  └ {result} · {_duration(duration_ms)}  {first}{more}", style=f"dim {style}")
        )
    return Group(*parts)


def review_cell(output: ReviewOutput) -> RenderableType:
    from burro.review import to_markdown

    return Markdown(to_markdown(output), code_theme=CODE_THEME)


def notice(text: str, *, style: str = "dim") -> RenderableType:
    return Text(text, style=style)


def human_tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


def usage_line(total: TokenUsage) -> str:
    used = total.total_tokens or (total.input_tokens + total.output_tokens)
    cached = (
        f" ({human_tokens(total.cached_input_tokens)} cached)" if total.cached_input_tokens else ""
    )
    return f"{human_tokens(used)} tokens{cached}"


def context_left(last: TokenUsage, window: int | None) -> int | None:
    if not window:
        return None
    used = last.total_tokens or (last.input_tokens + last.output_tokens)
    return max(0, min(100, round(100 * (1 - used / window))))


KEYS = (
    ("enter", "send (during a turn: add to it)"),
    ("shift+enter / ctrl+j", "new line"),
    ("/", "commands (/model, /approvals, /new, /resume, /diff, /undo, …)"),
    ("@", "insert a file path"),
    ("!cmd", "run cmd in your shell (not sandboxed); its output goes to the next message"),
    ("↑ / ↓", "earlier prompts (kept across sessions)"),
    ("ctrl+r", "search earlier prompts"),
    ("pageup / pagedown / end", "scroll the conversation / follow new output"),
    ("esc", "interrupt the running turn"),
    ("ctrl+c", "interrupt, clear the draft, or (twice) quit"),
)


def welcome(*, version: str, model: str, cwd: str, sandbox: str, approval: str) -> RenderableType:
    return Group(
        Text.assemble(("burro", "bold"), (f" v{version}", "dim")),
        Text.assemble(("  model     ", "dim"), model),
        Text.assemble(("  directory ", "dim"), cwd),
        Text.assemble(("  sandbox   ", "dim"), f"{sandbox}, approvals {approval}"),
        Text("  Describe a task to start; ? shows the keys.", style="dim"),
    )


def key_help() -> RenderableType:
    width = max(len(k) for k, _ in KEYS)
    rows = [Text("Keys", style="bold")]
    rows += [Text.assemble((f"  {k:<{width}}  ", "cyan"), (v, "")) for k, v in KEYS]
    return Group(*rows)
