"""The only door for front ends: start, resume or fork a session, submit Ops, subscribe
to its numbered events, run a task to its end, and the engine services every front end
needs (workspace diff and apply, models, saved sessions, file search, the pieces of a
review: its answer parsed, the lines of a change)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from burro.config import Settings
from burro.core.archive import archive_session, delete_session
from burro.core.catalog import ModelEntry, discover_models, list_models, model_metadata
from burro.core.errors import CoreError, SessionNotFound, SteerRefused
from burro.core.files import FileIndex
from burro.core.git import GitError, apply_diff, branch_name, in_git_repo, workspace_diff
from burro.core.handle import SessionHandle, TaskResult, TaskStatus
from burro.core.launch import fork_session, start_session
from burro.core.sessions import SessionInfo, find_session, last_session, list_sessions
from burro.core.state import SessionOptions
from burro.core.store import FileRolloutStore, MemoryRolloutStore, RolloutStore
from burro.core.task import run_task
from burro.models import ModelClient
from burro.protocol.events import Event
from burro.protocol.mcp import McpServerStatus
from burro.tools import DiskFiles, FileAccess
from burro.util.lazy import lazy_exports

if TYPE_CHECKING:
    from burro.core.review_diff import added_lines, confine, parse_diff
    from burro.core.review_guidelines import review_guidelines
    from burro.core.review_parse import ReviewParseError, parse_review
    from burro.core.review_targets import ReviewTargetError, describe
    from burro.core.review_task import (
        NOTHING_TO_REVIEW,
        ReviewFailed,
        change_under_review,
        nothing_to_review,
    )

# The pieces of a review load when a front end first asks for one (PEP 562), not with
# every session.
_REVIEW_PARTS = {
    "added_lines": "burro.core.review_diff",
    "confine": "burro.core.review_diff",
    "parse_diff": "burro.core.review_diff",
    "review_guidelines": "burro.core.review_guidelines",
    "ReviewParseError": "burro.core.review_parse",
    "parse_review": "burro.core.review_parse",
    "ReviewTargetError": "burro.core.review_targets",
    "describe": "burro.core.review_targets",
    "NOTHING_TO_REVIEW": "burro.core.review_task",
    "ReviewFailed": "burro.core.review_task",
    "change_under_review": "burro.core.review_task",
    "nothing_to_review": "burro.core.review_task",
}

__getattr__ = lazy_exports(__name__, _REVIEW_PARTS)

__all__ = [
    "NOTHING_TO_REVIEW",
    "CoreError",
    "DiskFiles",
    "FileAccess",
    "FileIndex",
    "FileRolloutStore",
    "GitError",
    "MemoryRolloutStore",
    "ModelClient",
    "ModelEntry",
    "ReviewFailed",
    "ReviewParseError",
    "ReviewTargetError",
    "RolloutStore",
    "SessionHandle",
    "SessionInfo",
    "SessionNotFound",
    "SessionOptions",
    "SteerRefused",
    "TaskResult",
    "TaskStatus",
    "added_lines",
    "apply_diff",
    "archive_session",
    "branch_name",
    "change_under_review",
    "confine",
    "delete_session",
    "describe",
    "discover_models",
    "find_session",
    "fork_session",
    "in_git_repo",
    "last_session",
    "list_models",
    "list_sessions",
    "mcp_servers_status",
    "model_metadata",
    "nothing_to_review",
    "parse_diff",
    "parse_review",
    "resolve_session",
    "review_guidelines",
    "run_task",
    "session_transcript",
    "start_session",
    "workspace_diff",
]


def resolve_session(home: Path, key: str | None, *, cwd: Path | None) -> Path:
    """``key`` (id, prefix or path), or the newest session (in ``cwd`` unless None)."""
    return find_session(home, key) if key else last_session(home, cwd=cwd)


def session_transcript(home: Path, key: str) -> list[Event]:
    """The events recorded in a session (user and agent messages, commands, patches,
    plans, turn boundaries, token counts), in order: what a front end shows on resume."""
    from burro.core.rollout import EventLine, read_lines

    path = find_session(home, key)
    return [line.payload for line in read_lines(path) if isinstance(line, EventLine)]


async def mcp_servers_status(
    settings: Settings, env: Mapping[str, str], *, names: Sequence[str] | None = None
) -> list[McpServerStatus]:
    """Start the configured MCP servers (or ``names``), wait until each is ready or has
    failed (its startup timeout), and report status and tools; then stop them."""
    from burro.tools.mcp import start_mcp

    chosen = {n: s for n, s in settings.mcp_servers.items() if names is None or n in names}
    manager = start_mcp(chosen, env=env, cwd=settings.cwd)
    try:
        await manager.wait_all()
        return manager.statuses()
    finally:
        await manager.close()
