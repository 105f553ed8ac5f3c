"""`turn/steer` (input for the turn in flight) and `thread/fork` (a new thread with a
copy of another's history), as Codex's app-server v2 defines them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from burro.frontends.app_server.convert import (
    INTERNAL,
    INVALID_PARAMS,
    INVALID_REQUEST,
    RpcError,
    input_parts,
)
from burro.protocol.events import TurnStarted

if TYPE_CHECKING:
    from burro.core.api import SessionInfo
    from burro.frontends.app_server.server import AppServer


async def turn_steer(server: AppServer, params: dict[str, Any]) -> dict[str, Any]:
    """Add the input to the running turn; the model sees it at the turn's next request.
    Refused (invalid request) when no turn runs or it is not ``expectedTurnId``."""
    from burro.core.api import SteerRefused

    t = server._thread(params)
    expected = params.get("expectedTurnId")
    if not isinstance(expected, str) or not expected:
        raise RpcError(INVALID_PARAMS, "turn/steer needs expectedTurnId: the running turn's id")
    parts = input_parts(params.get("input") or [])
    if not parts:
        raise RpcError(INVALID_PARAMS, "turn/steer needs at least one input item")
    try:
        turn_id = t.handle.steer(parts, expected_turn_id=expected)
    except SteerRefused as exc:
        raise RpcError(INVALID_REQUEST, str(exc)) from exc
    return {"turnId": turn_id}


async def thread_fork(server: AppServer, params: dict[str, Any]) -> dict[str, Any]:
    """A new thread holding a copy of the source's history (by ``path`` or
    ``threadId``), loaded and ready for turns; the source is left as it was."""
    from burro.core.api import CoreError, fork_session

    source = await _source(server, params)
    loaded = server._threads.get(source.id)
    if loaded is not None and loaded.turn is not None:
        raise RpcError(
            INVALID_REQUEST,
            f"a turn is running in thread {source.id}; fork it after turn/completed, "
            "or send turn/interrupt first",
        )
    last = params.get("lastTurnId")
    await _check_last_turn(server, source.id, last)
    # The fork works where its source did, unless the client says otherwise.
    opened = {**params, "cwd": params.get("cwd") or source.cwd, "ephemeral": False}
    settings = server._settings(opened)
    try:
        new_id, _ = await asyncio.to_thread(fork_session, settings, source.path, through_turn=last)
    except CoreError as exc:
        raise RpcError(INTERNAL, f"cannot fork thread {source.id}: {exc}") from exc
    t = await server._open(opened, resume=new_id)
    t.preview = source.first_prompt[:200]
    response = server._thread_response(t)
    response["thread"]["forkedFromId"] = source.id
    started = {**response["thread"]}  # notifications carry no turns
    if not params.get("excludeTurns"):
        response["thread"]["turns"] = await server._turns(new_id)
    server._later(lambda: server.notify("thread/started", {"thread": started}))
    return response


async def _source(server: AppServer, params: dict[str, Any]) -> SessionInfo:
    from burro.core.api import SessionNotFound, find_session, list_sessions

    key = str(params.get("path") or params.get("threadId") or "")
    if not key:
        raise RpcError(INVALID_PARAMS, "thread/fork needs threadId (or path)")
    home = server._home()
    try:
        path = await asyncio.to_thread(find_session, home, key)
    except SessionNotFound as exc:
        raise RpcError(INVALID_PARAMS, f"no thread {key}: {exc}") from exc
    saved = await asyncio.to_thread(list_sessions, home)
    info = next((s for s in saved if s.path == str(path)), None)
    if info is None:
        raise RpcError(INVALID_PARAMS, f"no thread {key}")
    return info


async def _check_last_turn(server: AppServer, thread_id: str, last: Any) -> None:
    """``lastTurnId`` must name a turn of the thread (the fork keeps it and what came
    before it)."""
    if last is None:
        return
    from burro.core.api import session_transcript

    events = await asyncio.to_thread(session_transcript, server._home(), thread_id)
    turns = [e.turn_id for e in events if isinstance(e, TurnStarted)]
    if not isinstance(last, str) or last not in turns:
        raise RpcError(INVALID_PARAMS, f"no turn {last} in thread {thread_id}")
