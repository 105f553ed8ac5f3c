"""burro events -> ACP session updates, and ACP prompt blocks -> burro content parts.

Pure translation (no I/O except reading a patched file back to show its whole diff);
the agent in ``agent.py`` sends what these functions return."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from burro.protocol.common import ApprovalPolicy, FileChange, SandboxMode
from burro.protocol.events import (
    AgentMessage,
    AgentMessageDelta,
    Event,
    ExecCommandBegin,
    ExecCommandEnd,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanUpdate,
    ReasoningDeltaEvent,
    ReasoningEvent,
    ToolCallBegin,
    ToolCallEnd,
    UserMessageEvent,
)
from burro.protocol.items import ContentPart, ImagePart, TextPart

if TYPE_CHECKING:
    from acp.schema import (
        AgentMessageChunk,
        AgentPlanUpdate,
        AgentThoughtChunk,
        FileEditToolCallContent,
        SessionMode,
        ToolCallLocation,
        ToolCallProgress,
        ToolCallStart,
        UserMessageChunk,
    )

    Update = (
        AgentMessageChunk
        | AgentThoughtChunk
        | UserMessageChunk
        | ToolCallStart
        | ToolCallProgress
        | AgentPlanUpdate
    )

ToolKind = Literal["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "other"]

# Output shown in the editor's tool card (the whole output stays in the session file).
_SHOWN_OUTPUT = 20_000


@dataclass(frozen=True)
class Mode:
    id: str
    name: str
    description: str
    sandbox: SandboxMode
    approval: ApprovalPolicy


# Session modes are burro's approval presets (as the UI's /approvals offers them).
MODES: tuple[Mode, ...] = (
    Mode(
        "read-only",
        "Read only",
        "Reads and answers; asks before anything that writes or leaves the sandbox.",
        "read-only",
        "on-request",
    ),
    Mode(
        "ask",
        "Ask every time",
        "Asks before any command that is not known to be safe and before every edit.",
        "workspace-write",
        "untrusted",
    ),
    Mode(
        "auto",
        "Auto",
        "Edits and runs commands in the workspace; asks before leaving it.",
        "workspace-write",
        "on-request",
    ),
    Mode(
        "full-access",
        "Full access",
        "Edits and runs anything, network included, without asking.",
        "danger-full-access",
        "never",
    ),
)


def mode_for(sandbox: SandboxMode, approval: ApprovalPolicy) -> Mode:
    """The preset matching these settings; a "configured" mode when none does."""
    for mode in MODES:
        if (mode.sandbox, mode.approval) == (sandbox, approval):
            return mode
    return Mode(
        "configured", "As configured", f"{sandbox}, approvals {approval}", sandbox, approval
    )


def acp_modes(current: Mode) -> list[SessionMode]:
    from acp.schema import SessionMode

    modes = list(MODES) if current in MODES else [current, *MODES]
    return [SessionMode(id=m.id, name=m.name, description=m.description) for m in modes]


# ---------------------------------------------------------------- prompt blocks


def prompt_parts(blocks: list[Any]) -> list[ContentPart]:
    """ACP content blocks as burro content parts: text, images, resource links (the
    model reads them with its tools) and embedded resources (their text inline)."""
    parts: list[ContentPart] = []
    for block in blocks:
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append(TextPart(text=block.text))
        elif kind == "image":
            parts.append(ImagePart(image_url=f"data:{block.mime_type};base64,{block.data}"))
        elif kind == "resource_link":
            label = block.title or block.name
            parts.append(TextPart(text=f"[@{label}]({block.uri})"))
        elif kind == "resource":
            res = block.resource
            text = getattr(res, "text", None)
            mime = getattr(res, "mime_type", None) or ""
            if text is not None:
                parts.append(TextPart(text=f'<context ref="{res.uri}">\n{text}\n</context>'))
            elif mime.startswith("image/"):
                parts.append(ImagePart(image_url=f"data:{mime};base64,{res.blob}"))
            else:
                parts.append(TextPart(text=f"[attached binary resource {res.uri} ({mime})]"))
        elif kind == "audio":
            parts.append(TextPart(text="[an audio clip was attached; burro cannot hear it]"))
    return parts


# ---------------------------------------------------------------- events


def _sides(unified_diff: str) -> tuple[str, str]:
    """The old and new text of a diff's hunks (context lines on both sides)."""
    old: list[str] = []
    new: list[str] = []
    for line in unified_diff.splitlines():
        if line.startswith(("---", "+++", "@@", "\\")):
            continue
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:
            text = line[1:] if line.startswith(" ") else line
            old.append(text)
            new.append(text)
    return "\n".join(old), "\n".join(new)


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def unapply(new_text: str, unified_diff: str) -> str | None:
    """The file as it was before ``unified_diff`` turned it into ``new_text`` (None when
    the diff does not fit): a patch is on disk before a reader sees its events."""
    new = new_text.splitlines(keepends=True)
    old: list[str] = []
    pos = 0
    prev = ""
    for line in unified_diff.splitlines():
        head = _HUNK.match(line)
        if head:
            start = int(head.group(1)) - (0 if head.group(2) == "0" else 1)
            if start < pos or start > len(new):
                return None
            old.extend(new[pos:start])
            pos = start
            prev = "@"
        elif not prev and line.startswith(("---", "+++")):
            continue  # file headers before the first hunk
        elif line.startswith("\\"):  # "\ No newline at end of file"
            if prev == "-" and old[-1].endswith("\n"):
                old[-1] = old[-1][:-1]
        elif line.startswith("-"):
            old.append(line[1:] + "\n")
            prev = "-"
            continue
        elif line.startswith("+"):
            pos += 1
        else:
            if pos >= len(new):
                return None
            old.append(new[pos])
            pos += 1
        prev = line[:1]
    old.extend(new[pos:])
    return "".join(old)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


_KINDS: dict[str, ToolKind] = {
    "read_file": "read",
    "view_image": "read",
    "list_dir": "search",
    "grep_files": "search",
    "write_stdin": "execute",
    "web_search": "fetch",
}


@dataclass
class EventMapper:
    """Turns one session's events into ACP updates. ``replay`` (session/load) also
    shows the user's messages and shows patches from their recorded hunks."""

    cwd: Path
    replay: bool = False
    # Files written through the editor (path -> text), which the disk may not have yet.
    written: dict[str, str] = field(default_factory=dict)
    _streamed: set[str] = field(default_factory=set)
    _started: set[str] = field(default_factory=set)

    def abspath(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.cwd / p

    def location(self, path: str) -> ToolCallLocation:
        from acp.schema import ToolCallLocation

        return ToolCallLocation(path=str(self.abspath(path)))

    def diffs(
        self, changes: list[FileChange], *, written: bool = False
    ) -> list[FileEditToolCallContent]:
        """The hunks of each change; once the patch is ``written``, the whole old and new
        files (the old one rebuilt from the new one and the diff)."""
        from acp import tool_diff_content

        out = []
        for ch in changes:
            path = str(self.abspath(ch.path))
            old: str | None
            old, new = _sides(ch.unified_diff)
            if written and not self.replay and ch.kind == "update":
                target = self.abspath(ch.move_path or ch.path)
                whole_new = self.written.get(str(target))
                if whole_new is None:
                    whole_new = _read(target)
                whole_old = unapply(whole_new, ch.unified_diff) if whole_new is not None else None
                if whole_new is not None and whole_old is not None:
                    old, new = whole_old, whole_new
            out.append(tool_diff_content(path, new, None if ch.kind == "add" else old))
        return out

    def start(self, call_id: str, title: str, kind: ToolKind, **extra: Any) -> Update:
        """A tool call's first appearance; later ones are progress updates."""
        from acp import start_tool_call, update_tool_call

        if call_id in self._started:
            return update_tool_call(call_id, title=title, kind=kind, **extra)
        self._started.add(call_id)
        return start_tool_call(call_id, title, kind=kind, **extra)

    def exec_call(self, call_id: str, command: str, cwd: str, *, status: str) -> Update:
        return self.start(
            call_id,
            command,
            "execute",
            status=status,
            raw_input={"command": command, "cwd": cwd},
        )

    def patch_call(self, call_id: str, changes: list[FileChange], *, status: str) -> Update:
        kinds = {c.kind for c in changes}
        kind: ToolKind = "delete" if kinds == {"delete"} else "edit"
        if len(changes) == 1 and changes[0].move_path:
            kind = "move"
        names = ", ".join(c.path for c in changes[:3]) + (" …" if len(changes) > 3 else "")
        return self.start(
            call_id,
            f"Edit {names}",
            kind,
            status=status,
            content=self.diffs(changes),
            locations=[self.location(c.path) for c in changes],
        )

    def updates(self, ev: Event) -> list[Update]:
        from acp import (
            plan_entry,
            text_block,
            tool_content,
            update_agent_message_text,
            update_agent_thought_text,
            update_plan,
            update_tool_call,
            update_user_message_text,
        )

        if isinstance(ev, AgentMessageDelta):
            self._streamed.add(ev.item_id)
            return [update_agent_message_text(ev.delta)]
        if isinstance(ev, AgentMessage):
            if ev.item_id in self._streamed or not ev.text:
                return []
            return [update_agent_message_text(ev.text)]
        if isinstance(ev, ReasoningDeltaEvent):
            self._streamed.add(ev.item_id)
            return [update_agent_thought_text(ev.delta)]
        if isinstance(ev, ReasoningEvent):
            if ev.item_id in self._streamed or not ev.text:
                return []
            return [update_agent_thought_text(ev.text)]
        if isinstance(ev, UserMessageEvent):
            return [update_user_message_text(ev.text)] if self.replay else []
        if isinstance(ev, ExecCommandBegin):
            return [self.exec_call(ev.call_id, ev.command, ev.cwd, status="in_progress")]
        if isinstance(ev, ExecCommandEnd):
            ok = ev.status == "completed" and ev.exit_code == 0
            out = ev.aggregated_output[-_SHOWN_OUTPUT:]
            return [
                update_tool_call(
                    ev.call_id,
                    status="completed" if ok else "failed",
                    content=[tool_content(text_block(f"```\n{out}\n```"))] if out else None,
                    raw_output={"exit_code": ev.exit_code, "status": ev.status},
                )
            ]
        if isinstance(ev, PatchApplyBegin):
            return [self.patch_call(ev.call_id, ev.changes, status="in_progress")]
        if isinstance(ev, PatchApplyEnd):
            content = self.diffs(ev.changes, written=True) if ev.success else None
            return [
                update_tool_call(
                    ev.call_id,
                    status="completed" if ev.success else "failed",
                    content=content or [tool_content(text_block(ev.stderr or ev.stdout))],
                )
            ]
        if isinstance(ev, PlanUpdate):
            status = {"in_progress": "in_progress", "completed": "completed"}
            return [
                update_plan(
                    plan_entry(s.step, status=status.get(s.status, "pending"))  # type: ignore[arg-type]
                    for s in ev.plan
                )
            ]
        if isinstance(ev, ToolCallBegin):
            return [self._tool_begin(ev)]
        if isinstance(ev, ToolCallEnd):
            return [
                update_tool_call(
                    ev.call_id,
                    status="completed" if ev.success else "failed",
                    content=[tool_content(text_block(ev.output[-_SHOWN_OUTPUT:]))],
                )
            ]
        return []

    def _tool_begin(self, ev: ToolCallBegin) -> Update:
        try:
            args = json.loads(ev.arguments) if ev.arguments else {}
        except ValueError:
            args = {}
        if not isinstance(args, dict):
            args = {}
        path = args.get("path") or args.get("file_path") or args.get("dir_path")
        kind: ToolKind = _KINDS.get(ev.tool, "other")
        title = ev.tool + (f" {path}" if isinstance(path, str) else "")
        if ev.tool == "grep_files" and isinstance(args.get("pattern"), str):
            title = f"grep {args['pattern']}"
        return self.start(
            ev.call_id,
            title,
            kind,
            status="in_progress",
            raw_input=args or ev.arguments,
            locations=[self.location(path)] if isinstance(path, str) else None,
        )
