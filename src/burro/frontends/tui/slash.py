"""Slash commands: the table, parsing, and suggestions for unknown names."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    name: str
    help: str
    while_running: bool = False  # allowed while a turn runs


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("model", "choose the model and reasoning effort (/model NAME [EFFORT])"),
    SlashCommand("approvals", "choose when burro asks before running commands"),
    SlashCommand("sandbox", "choose what commands may touch (read-only, workspace-write, ...)"),
    SlashCommand("compact", "summarise the conversation to free context"),
    SlashCommand("review", "review the changes: /review [--base BRANCH | --commit SHA] [focus]"),
    SlashCommand("diff", "show the git diff of the workspace, untracked files included", True),
    SlashCommand("undo", "restore the files changed by the last turn"),
    SlashCommand(
        "cloud", "hand this session and your local changes to `burro serve` (/cloud [PROMPT])"
    ),
    SlashCommand("new", "start a new session"),
    SlashCommand("resume", "reopen a saved session"),
    SlashCommand("status", "show the session's settings and token usage", True),
    SlashCommand("mcp", "list MCP servers, their status and tools", True),
    SlashCommand("init", "have the agent write an AGENTS.md for this repository"),
    SlashCommand("mention", "mention a file (inserts @ and completes paths)", True),
    SlashCommand("help", "list the slash commands", True),
    SlashCommand("quit", "exit burro", True),
    SlashCommand("exit", "exit burro", True),
)
BY_NAME = {c.name: c for c in COMMANDS}


@dataclass(frozen=True)
class Parsed:
    name: str
    args: list[str]


def parse(text: str) -> Parsed | None:
    """``/name args...`` (a single line) -> Parsed; anything else -> None."""
    stripped = text.strip()
    if not stripped.startswith("/") or "\n" in stripped or stripped.startswith("//"):
        return None
    head, *args = stripped[1:].split()
    if not head or "/" in head:
        return None  # an absolute path, not a command
    return Parsed(head.lower(), args)


def suggest(name: str) -> str | None:
    close = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.5)
    if close:
        return close[0]
    starts = [c for c in BY_NAME if c.startswith(name[:2])] if name else []
    return starts[0] if starts else None


def completions(prefix: str) -> list[SlashCommand]:
    """Commands whose name starts with ``prefix`` (without the slash)."""
    return [c for c in COMMANDS if c.name.startswith(prefix.lower())]


def help_text() -> str:
    width = max(len(c.name) for c in COMMANDS) + 1
    return "\n".join(f"/{c.name:<{width}} {c.help}" for c in COMMANDS)


# What a task handed over with a bare `/cloud` is asked to do.
CLOUD_PROMPT = "Continue the work of this session where we left off."

INIT_PROMPT = """Create an AGENTS.md file at the root of this repository for coding agents \
working here. Explore the repository first (layout, languages, build and test commands, \
conventions), then write a concise AGENTS.md (at most ~60 lines) with sections: project \
overview, layout, how to build, how to run the tests, code style and conventions, and \
anything a newcomer must not break. Use only facts you verified in the repository."""
