"""Starting a session: new, resumed (optionally continuing a cut-off turn) or forked."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from burro import __version__
from burro.config import Settings
from burro.core.approvals import Approvals
from burro.core.bus import EventBus
from burro.core.context import base_instructions, initial_context
from burro.core.errors import CoreError
from burro.core.git import head
from burro.core.handle import SessionHandle
from burro.core.rollout import EventLine, RolloutWriter, SessionMeta, decode_lines, now_iso
from burro.core.session import Session
from burro.core.sessions import find_session
from burro.core.state import SessionOptions, SessionState, build_tools, prepare_sandbox
from burro.core.store import FileRolloutStore, RolloutStore
from burro.models import ModelClient
from burro.protocol.events import EventEnvelope, SessionConfigured
from burro.tools import FileAccess, Tool

if TYPE_CHECKING:
    from collections.abc import Callable

    from burro.core.reconstruct import Restored
    from burro.tools.mcp import McpManager


def new_meta(settings: Settings, session_id: str, *, forked_from: str | None = None) -> SessionMeta:
    commit, branch = head(settings.cwd)
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


def _open_client(settings: Settings, env: Mapping[str, str], session_id: str) -> ModelClient:
    from burro.models import open_client

    return open_client(
        settings.provider, api_key=settings.api_key(env), session_id=session_id, env=env
    )


def _check_key(settings: Settings, env: Mapping[str, str]) -> None:
    provider = settings.provider
    if provider.requires_api_key and provider.env_key and not settings.api_key(env):
        hint = provider.env_key_instructions or f"export {provider.env_key}=..."
        raise CoreError(
            f"{provider.env_key} is not set for provider `{settings.provider_id}`. {hint}"
        )


def _persisted_events(
    store: RolloutStore, session_id: str, after: int, before: int
) -> Iterable[EventEnvelope]:
    for line in decode_lines(store.read()):
        if isinstance(line, EventLine) and after < line.seq < before:
            yield EventEnvelope(session_id=session_id, seq=line.seq, event=line.payload)


async def start_session(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    options: SessionOptions | None = None,
    resume: str | None = None,
    continue_pending: bool = False,
    client: ModelClient | None = None,
    store: RolloutStore | None = None,
    instructions: str | None = None,
    tools: Sequence[str | Tool] | None = None,
    files: FileAccess | None = None,
    client_factory: Callable[[Settings], ModelClient] | None = None,
) -> SessionHandle:
    """Start a new session, or continue ``resume`` (an id, id prefix or rollout path;
    or, with ``store``, the session the store holds) with its exact history.

    ``continue_pending`` restarts a turn that was cut off (burro stopped mid-turn)
    without a new user message. ``client`` replaces the provider's HTTP client (tests
    inject a scripted model); ``store`` replaces the session file; ``instructions`` and
    ``tools`` give the session its own base instructions and tool list (review);
    ``files`` is where tools read and write files when not the disk (an editor's
    buffers; the sandbox and approvals still decide what may be written).
    ``client_factory`` opens the client for given settings, at the start (unless
    ``client`` is given) and on a switch to another provider; by default burro opens
    the provider's HTTP client."""
    options = options or SessionOptions()
    env = dict(os.environ if env is None else env)
    prepare_sandbox(settings)  # root's sandbox view builds while the rest starts
    if client is None:
        _check_key(settings, env)
        settings = await _learn_local_window(settings, env)

    restored: Restored | None = None
    held = _read_once(store) if resume is None and store is not None else None
    if resume is not None or held is not None:
        from burro.core.reconstruct import restore  # resumes only

        if store is None:
            path = find_session(settings.burro_home, resume or "")
            # Lock first (SessionLocked if another process continues it), then read: the
            # history cannot change between reading it and appending to it.
            store = None if options.ephemeral else FileRolloutStore(path)
            try:
                restored = restore(store if store is not None else path)
            except BaseException:
                if store is not None:
                    store.close()
                raise
        else:
            restored = restore(held if held is not None else store)
        session_id = restored.meta.id
    else:
        session_id = str(uuid.uuid4())
        if store is None and not options.ephemeral:
            from burro.core.rollout import rollout_path

            path = rollout_path(settings.burro_home, session_id)
            store = FileRolloutStore(path, lazy=options.defer_rollout)
    deferred = options.defer_rollout and restored is None
    rollout = RolloutWriter(store, deferred=deferred) if store is not None else None
    if rollout is not None and restored is None:
        rollout.meta(new_meta(settings, session_id))

    open_for = client_factory or (lambda s: _open_client(s, env, session_id))
    state = SessionState(
        settings=settings,
        session_id=session_id,
        instructions=instructions if instructions is not None else base_instructions(),
        client=client or open_for(settings),
        registry=build_tools(settings, tools),
        emit=lambda _ev: None,
        rollout=rollout,
        env=env,
        model=settings.model,
        effort=settings.effort,
        summary=settings.summary,
        options=options,
    )
    if files is not None:
        state.files = files
    if client is None:
        state.client_factory = open_for
    state.tool_names = tuple(tools) if tools is not None else None
    state.approval_policy = settings.approval_policy
    state.sandbox_mode = settings.sandbox_mode
    state.approvals = Approvals(lambda event: state.emit(event))
    # CoreError when the sandbox tool is missing. As root its id-mapped view is built by a
    # helper process; the HTTP stack loads meanwhile, and the view is waited for below,
    # before anything (the first request included) can use either.
    state.configure_sandbox(wait=False)
    if client is None:
        from burro.models import preload_http

        preload_http(settings.provider.base_url)
    state.sandbox_ready()
    if tools is None and (mcp := await _start_mcp(settings, env)) is not None:
        state.mcp, state.registry = mcp, build_tools(settings, None, mcp=mcp)
    warnings = list(settings.warnings)
    pending = False
    if restored is None:
        for message in initial_context(settings, env=env, warnings=warnings):
            state.record(message)
        state.context_items = len(state.history)
    else:
        state.history = list(restored.history)
        state.context_items = restored.context_items
        state.usage = restored.usage
        state.plan = restored.plan
        for item in restored.recovered:
            state.record(item)
        state.pending_input = list(restored.pending_input)
        pending = restored.pending_turn or bool(restored.recovered or restored.pending_input)
        warnings.extend(restored.warnings)  # damaged lines found and repaired
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
        rollout_path=rollout.location if rollout else None,
        history_items=len(state.history),
        resumed=restored is not None,
        sandbox_mode=state.sandbox_mode,
        approval_policy=state.approval_policy,
        model_context_window=settings.context_window,
    )
    bus_store = store
    bus = EventBus(
        session_id,
        first_seq=_resume_seq(restored),
        older=(
            (lambda after, before: _persisted_events(bus_store, session_id, after, before))
            if bus_store is not None
            else None
        ),
    )
    session = Session(
        state,
        configured=configured,
        warnings=warnings,
        bus=bus,
        continue_pending=continue_pending and pending,
    )
    task = asyncio.create_task(session.run(), name="burro-session")
    return SessionHandle(session, task, rollout=rollout.location if rollout else None)


async def _start_mcp(settings: Settings, env: Mapping[str, str]) -> McpManager | None:
    """Start the enabled MCP servers in the background; wait only for required ones
    (CoreError when one fails). Nothing of MCP is imported when none is configured."""
    if not any(s.enabled for s in settings.mcp_servers.values()):
        return None
    from burro.tools.mcp import McpStartupError, start_mcp

    manager = start_mcp(settings.mcp_servers, env=env, cwd=settings.cwd)
    try:
        await manager.wait_required()
    except McpStartupError as exc:
        await manager.close()
        raise CoreError(str(exc)) from exc
    return manager


# After a crash, events published after the last persisted one (deltas) may have reached
# readers; numbering jumps past any such range so a reader's last seen number never
# hides a new event.
CRASH_SEQ_GAP = 1_000_000


def _resume_seq(restored: Restored | None) -> int:
    if restored is None:
        return 1
    return restored.last_seq + 1 + (0 if restored.clean_end else CRASH_SEQ_GAP)


async def _learn_local_window(settings: Settings, env: Mapping[str, str]) -> Settings:
    """A model burro's table does not know, on a local server (no key needed): ask the
    server for its real context size instead of assuming the default."""
    if settings.model_info.known or settings.provider.requires_api_key:
        return settings
    from burro.core.catalog import discover_models, served_window

    window = served_window(await discover_models(settings, env=env), settings.model)
    if window is None:
        return settings

    import msgspec

    info = msgspec.structs.replace(settings.model_info, context_window=window)
    notes = tuple(w for w in settings.warnings if "not in burro's model table" not in w)
    note = f"model `{settings.model}`: context window {window} tokens, as the server reports"
    return msgspec.structs.replace(settings, model_info=info, warnings=(*notes, note))


def _read_once(store: RolloutStore) -> RolloutStore | None:
    """What ``store`` holds, read once, to restore from; None when it holds nothing (a
    new session). A store may be a database: its history is not read twice."""
    from burro.core.store import MemoryRolloutStore

    lines = list(store.read())
    if not any(line.strip() for line in lines):
        return None
    return MemoryRolloutStore(lines, location=store.location)


def fork_session(
    settings: Settings, source: str, *, through_turn: str | None = None
) -> tuple[str, Path]:
    """Copy another session's history into a new session file; returns (id, path).
    ``through_turn`` keeps the history up to the end of that turn (a finished turn of
    the source; CoreError otherwise) and leaves the later turns out."""
    from burro.core.reconstruct import restore
    from burro.core.rollout import read_raw, rollout_path
    from burro.core.store import MemoryRolloutStore

    source_path = find_session(settings.burro_home, source)
    raw = list(read_raw(source_path))
    if through_turn is not None:
        raw = _through_turn(raw, through_turn)
    restored = restore(MemoryRolloutStore(raw, location=str(source_path)))
    session_id = str(uuid.uuid4())
    path = rollout_path(settings.burro_home, session_id)
    writer = RolloutWriter(FileRolloutStore(path))
    writer.meta(new_meta(settings, session_id, forked_from=restored.meta.id))
    # What the user saw (the transcript a front end replays), then the history.
    for line in decode_lines(raw):
        if isinstance(line, EventLine):
            writer.event(line.payload, seq=line.seq)
    for item in (*restored.history, *restored.recovered):
        writer.item(item)
    writer.close()
    return session_id, path


def _through_turn(raw: list[bytes], turn_id: str) -> list[bytes]:
    """The lines up to and including the event that ended ``turn_id``."""
    from burro.protocol.events import TurnAborted, TurnComplete, TurnFailed

    for index, line in enumerate(raw):
        for decoded in decode_lines([line]):
            if (
                isinstance(decoded, EventLine)
                and isinstance(decoded.payload, TurnComplete | TurnFailed | TurnAborted)
                and decoded.payload.turn_id == turn_id
            ):
                return raw[: index + 1]
    raise CoreError(
        f"turn {turn_id} is not a finished turn of this session; fork through a turn that has ended"
    )
