"""What the model sees before the conversation: instructions, AGENTS.md, environment."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from burro.config import Settings
from burro.protocol.items import ContentPart, Message, TextPart

AGENTS_HEADER = "# AGENTS.md instructions for "
_PRIMARY_NAMES = ("AGENTS.override.md", "AGENTS.md")


@cache
def data_text(name: str) -> str:
    """A prompt file shipped in ``burro/core/data``."""
    return (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")


def base_instructions() -> str:
    return data_text("base_instructions.md")


def find_repo_root(cwd: Path) -> Path | None:
    for d in (cwd, *cwd.parents):
        if (d / ".git").exists():
            return d
    return None


def discover_agents_md(
    cwd: Path, *, max_bytes: int, fallback_names: tuple[str, ...] = ()
) -> tuple[list[Path], str, bool]:
    """AGENTS.md files from the repository root down to ``cwd``.

    Returns (files, concatenated text capped at ``max_bytes``, whether it was truncated)."""
    if max_bytes <= 0:
        return [], "", False
    cwd = cwd.resolve()
    root = find_repo_root(cwd)
    if root is None:
        dirs = [cwd]
    else:
        rel = cwd.relative_to(root).parts
        dirs = [root.joinpath(*rel[:i]) for i in range(len(rel) + 1)]
    files: list[Path] = []
    for d in dirs:
        for name in (*_PRIMARY_NAMES, *fallback_names):
            p = d / name
            if p.is_file() and p.stat().st_size > 0:
                files.append(p)
                break
    parts: list[str] = []
    budget = max_bytes
    truncated = False
    for p in files:
        if budget <= 0:
            truncated = True
            break
        raw = p.read_bytes()
        if len(raw) > budget:
            raw = raw[:budget]
            truncated = True
        text = raw.decode("utf-8", errors="ignore").strip()
        if text:
            parts.append(text)
        budget -= len(raw)
    return files, "\n\n".join(parts), truncated


def environment_context(
    settings: Settings, *, env: Mapping[str, str], now: _dt.datetime | None = None
) -> str:
    now = now or _dt.datetime.now().astimezone()
    shell = Path(env.get("SHELL", "bash")).name or "bash"
    network = "enabled" if settings.network_access else "restricted"
    lines = [
        "<environment_context>",
        f"  <cwd>{settings.cwd}</cwd>",
        f"  <shell>{shell}</shell>",
        f"  <approval_policy>{settings.approval_policy}</approval_policy>",
        f"  <sandbox_mode>{settings.sandbox_mode}</sandbox_mode>",
        f"  <network_access>{network}</network_access>",
        f"  <current_date>{now.date().isoformat()}</current_date>",
        f"  <timezone>{now.tzname() or 'UTC'}</timezone>",
        "</environment_context>",
    ]
    return "\n".join(lines)


_SANDBOX_TEXT = {
    "read-only": "Commands can read files but cannot write anywhere.",
    "workspace-write": "Commands can read everywhere and write inside the working directory "
    "and its writable roots; `.git` stays read-only.",
    "danger-full-access": "Commands run without a sandbox.",
}


def permissions_message(sandbox_mode: str, approval_policy: str, network: bool) -> Message:
    text = data_text("permissions.md").format(
        sandbox_mode=sandbox_mode,
        network="enabled" if network else "restricted",
        approval_policy=approval_policy,
        sandbox_text=_SANDBOX_TEXT[sandbox_mode],
    )
    return Message(role="developer", content=[TextPart(text=text)])


def initial_context(
    settings: Settings,
    *,
    env: Mapping[str, str],
    user_instructions: str | None = None,
    warnings: list[str] | None = None,
) -> list[Message]:
    """The items recorded once at the start of a session (never rewritten later)."""
    perms = permissions_message(
        settings.sandbox_mode, settings.approval_policy, settings.network_access
    )
    dev_parts: list[ContentPart] = list(perms.content)
    if settings.developer_instructions:
        dev_parts.append(TextPart(text=settings.developer_instructions))
    items: list[Message] = [Message(role="developer", content=dev_parts)]

    user_parts: list[ContentPart] = []
    global_doc = settings.burro_home / "AGENTS.md"
    docs: list[str] = []
    if global_doc.is_file():
        text = global_doc.read_text(encoding="utf-8", errors="replace").strip()
        if text:
            docs.append(text)
    if user_instructions:
        docs.append(user_instructions.strip())
    _, project_doc, truncated = discover_agents_md(
        settings.cwd,
        max_bytes=settings.project_doc_max_bytes,
        fallback_names=settings.project_doc_fallback_filenames,
    )
    if truncated and warnings is not None:
        warnings.append(
            f"AGENTS.md files exceed project_doc_max_bytes ({settings.project_doc_max_bytes}); "
            "the rest was cut"
        )
    if project_doc:
        docs.append(project_doc)
    if docs:
        body = "\n\n--- project-doc ---\n\n".join(docs)
        user_parts.append(
            TextPart(
                text=f"{AGENTS_HEADER}{settings.cwd}\n\n<INSTRUCTIONS>\n{body}\n</INSTRUCTIONS>"
            )
        )
    user_parts.append(TextPart(text=environment_context(settings, env=env)))
    items.append(Message(role="user", content=list(user_parts)))
    return items


SUMMARY_PREFIX_FILE = "summary_prefix.md"


def is_context_message(item: object) -> bool:
    """Is this one of the injected context items (not something the user typed)?"""
    if not isinstance(item, Message):
        return False
    if item.role == "developer":
        return True
    if item.role != "user":
        return False
    text = item.text()
    return text.startswith(AGENTS_HEADER) or text.startswith("<environment_context>")


def is_summary_message(item: object) -> bool:
    if not isinstance(item, Message) or item.role != "user":
        return False
    return item.text().startswith(data_text(SUMMARY_PREFIX_FILE).strip()[:40])


def is_real_user_message(item: object) -> bool:
    """A message the user wrote (not context, not a hand-off summary, not a marker)."""
    if not isinstance(item, Message) or item.role != "user":
        return False
    if is_context_message(item) or is_summary_message(item):
        return False
    text = item.text()
    return not (text.startswith("<turn_aborted>") or text.startswith("<burro_nudge>"))
