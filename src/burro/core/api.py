"""The only door for front ends: start a session, submit Ops, read Events."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from burro import __version__
from burro.config import Settings
from burro.core.context import base_instructions, initial_context
from burro.core.errors import CoreError
from burro.core.rollout import RolloutWriter, SessionMeta, rollout_path
from burro.core.session import Session
from burro.core.state import SessionState
from burro.protocol.events import Event, SessionConfigured, ShutdownComplete
from burro.protocol.ops import Op

__all__ = ["CoreError", "SessionHandle", "in_git_repo", "start_session"]


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


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=2, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def in_git_repo(cwd: Path) -> bool:
    return any((d / ".git").exists() for d in (cwd, *cwd.parents))


async def start_session(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    ephemeral: bool = False,
) -> SessionHandle:
    """Validate credentials, write the session meta, and start the actor."""
    from burro.models import open_client
    from burro.tools import build_registry

    env = dict(os.environ if env is None else env)
    api_key = settings.api_key(env)
    provider = settings.provider
    if provider.requires_api_key and provider.env_key and not api_key:
        hint = provider.env_key_instructions or f"export {provider.env_key}=..."
        raise CoreError(
            f"{provider.env_key} is not set for provider `{settings.provider_id}`. {hint}"
        )
    session_id = str(uuid.uuid4())
    client = open_client(provider, api_key=api_key, session_id=session_id)
    registry = build_registry(
        list(settings.model_info.tools),
        apply_patch_freeform=settings.model_info.apply_patch_tool == "freeform"
        and provider.wire_api == "responses",
    )
    rollout: RolloutWriter | None = None
    if not ephemeral:
        rollout = RolloutWriter(rollout_path(settings.burro_home, session_id))
        rollout.meta(
            SessionMeta(
                id=session_id,
                cwd=str(settings.cwd),
                model=settings.model,
                provider=settings.provider_id,
                burro_version=__version__,
                started_at=rollout.path.stem.split("-", 1)[1][:19],
                git_commit=_git(settings.cwd, "rev-parse", "HEAD"),
                git_branch=_git(settings.cwd, "rev-parse", "--abbrev-ref", "HEAD"),
            )
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
    )
    warnings = list(settings.warnings)
    configured = SessionConfigured(
        session_id=session_id,
        model=settings.model,
        provider=settings.provider_id,
        cwd=str(settings.cwd),
        reasoning_effort=settings.effort,
        rollout_path=str(rollout.path) if rollout else None,
    )
    for item in initial_context(settings, warnings=warnings):
        state.record(item)
    session = Session(state, configured=configured, warnings=warnings)
    task = asyncio.create_task(session.run(), name="burro-session")
    return SessionHandle(session, task, rollout=rollout.path if rollout else None)
