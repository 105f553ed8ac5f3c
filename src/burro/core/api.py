"""The only door for front ends: start, resume or fork a session, submit Ops, read Events."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from burro import __version__
from burro.config import Settings
from burro.core.approvals import Approvals
from burro.core.context import base_instructions, initial_context
from burro.core.errors import CoreError
from burro.core.reconstruct import Restored, RolloutError, restore
from burro.core.rollout import RolloutWriter, SessionMeta, now_iso, rollout_path
from burro.core.session import Session
from burro.core.sessions import (
    SessionInfo,
    SessionNotFound,
    age,
    find_session,
    last_session,
    list_sessions,
)
from burro.core.state import SessionOptions, SessionState
from burro.protocol.events import Event, SessionConfigured, ShutdownComplete
from burro.protocol.ops import Op

__all__ = [
    "CoreError",
    "SessionHandle",
    "SessionInfo",
    "SessionOptions",
    "age",
    "find_session",
    "fork_session",
    "in_git_repo",
    "last_session",
    "list_sessions",
    "resolve_session",
    "session_transcript",
    "start_session",
]


class SessionHandle:
    """A running session. ``events()`` yields every Event until shutdown completes."""

    def __init__(self, session: Session, task: asyncio.Task[None], *, rollout: Path | None) -> None:
        self._session = session
        self._task = task
        self.session_id = session.state.session_id
        self.rollout_path = rollout

    def submit(self, op: Op) -> None:
        self._session.submit(op)

    async def next_event(self) -> Event:
        return await self._session.next_event()

    async def events(self) -> AsyncIterator[Event]:
        while True:
            ev = await self._session.next_event()
            yield ev
            if isinstance(ev, ShutdownComplete):
                return

    async def wait_closed(self) -> None:
        await asyncio.gather(self._task, return_exceptions=True)


def _git_head(cwd: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of ``cwd``'s repository, one git call; (None, None) without one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD", "--abbrev-ref", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2:
        return None, None
    return lines[0], lines[1]


def in_git_repo(cwd: Path) -> bool:
    return any((d / ".git").exists() for d in (cwd, *cwd.parents))


def _new_meta(
    settings: Settings, session_id: str, *, forked_from: str | None = None
) -> SessionMeta:
    commit, branch = _git_head(settings.cwd)
    return SessionMeta(
        id=session_id,
        cwd=str(settings.cwd),
        model=settings.model,
        provider=settings.provider_id,
        burro_version=__version__,
        started_at=now_iso(),
        git_commit=commit,
        git_branch=branch,
        forked_from=forked_from,
    )


def _restore(home: Path, key: str) -> tuple[Path, Restored]:
    try:
        path = find_session(home, key)
        return path, restore(path)
    except (SessionNotFound, RolloutError) as exc:
        raise CoreError(str(exc)) from exc


def resolve_session(home: Path, key: str | None, *, cwd: Path | None) -> Path:
    """``key`` (id, prefix or path), or the newest session (in ``cwd`` unless None)."""
    try:
        return find_session(home, key) if key else last_session(home, cwd=cwd)
    except SessionNotFound as exc:
        raise CoreError(str(exc)) from exc


def session_transcript(home: Path, key: str) -> list[Event]:
    """The events recorded in a session (user and agent messages, commands, patches,
    plans, turn boundaries, token counts), in order: what a front end shows on resume."""
    from burro.core.rollout import EventLine, read_lines

    try:
        path = find_session(home, key)
    except SessionNotFound as exc:
        raise CoreError(str(exc)) from exc
    return [line.payload for line in read_lines(path) if isinstance(line, EventLine)]


def fork_session(settings: Settings, source: str) -> tuple[str, Path]:
    """Copy another session's history into a new session file; returns (id, path)."""
    _, restored = _restore(settings.burro_home, source)
    session_id = str(uuid.uuid4())
    writer = RolloutWriter(rollout_path(settings.burro_home, session_id))
    writer.meta(_new_meta(settings, session_id, forked_from=restored.meta.id))
    for item in (*restored.history, *restored.recovered):
        writer.item(item)
    writer.close()
    return session_id, writer.path


async def start_session(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    options: SessionOptions | None = None,
    resume: str | None = None,
) -> SessionHandle:
    """Start a new session, or continue ``resume`` (an id, id prefix or rollout path)
    with its exact history. Credentials are checked first."""
    from burro.models import open_client
    from burro.tools import build_registry

    options = options or SessionOptions()
    env = dict(os.environ if env is None else env)
    api_key = settings.api_key(env)
    provider = settings.provider
    if provider.requires_api_key and provider.env_key and not api_key:
        hint = provider.env_key_instructions or f"export {provider.env_key}=..."
        raise CoreError(
            f"{provider.env_key} is not set for provider `{settings.provider_id}`. {hint}"
        )

    restored: Restored | None = None
    rollout: RolloutWriter | None = None
    if resume is not None:
        path, restored = _restore(settings.burro_home, resume)
        session_id = restored.meta.id
        if not options.ephemeral:
            rollout = RolloutWriter(path)
    else:
        session_id = str(uuid.uuid4())
        if not options.ephemeral:
            path = rollout_path(settings.burro_home, session_id)
            rollout = RolloutWriter(path, deferred=options.defer_rollout)
            rollout.meta(_new_meta(settings, session_id))

    client = open_client(provider, api_key=api_key, session_id=session_id)
    registry = build_registry(
        list(settings.model_info.tools),
        apply_patch_freeform=settings.model_info.apply_patch_tool == "freeform"
        and provider.wire_api == "responses",
    )
    state = SessionState(
        settings=settings,
        session_id=session_id,
        instructions=base_instructions(),
        client=client,
        registry=registry,
        emit=lambda _ev: None,
        rollout=rollout,
        env=env,
        model=settings.model,
        effort=settings.effort,
        summary=settings.summary,
        options=options,
    )
    state.approval_policy = settings.approval_policy
    state.sandbox_mode = settings.sandbox_mode
    state.approvals = Approvals(lambda event: state.emit(event))
    state.configure_sandbox()  # CoreError when the sandbox tool is missing
    warnings = list(settings.warnings)
    if restored is None:
        for message in initial_context(settings, warnings=warnings):
            state.record(message)
        state.context_items = len(state.history)
    else:
        state.history = list(restored.history)
        state.context_items = restored.context_items
        state.usage = restored.usage
        state.plan = restored.plan
        for item in restored.recovered:
            state.record(item)
        if restored.meta.model != settings.model:
            warnings.append(
                f"session was recorded with model {restored.meta.model}; continuing with {settings.model}"
            )
    configured = SessionConfigured(
        session_id=session_id,
        model=settings.model,
        provider=settings.provider_id,
        cwd=str(settings.cwd),
        reasoning_effort=settings.effort,
        rollout_path=str(rollout.path) if rollout else None,
        history_items=len(state.history),
        resumed=restored is not None,
    )
    session = Session(state, configured=configured, warnings=warnings)
    task = asyncio.create_task(session.run(), name="burro-session")
    return SessionHandle(session, task, rollout=rollout.path if rollout else None)
