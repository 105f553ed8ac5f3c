"""The app-server: newline-delimited JSON-RPC 2.0 on stdio, Codex's v2 methods, each
thread a burro session driven through core.api."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burro import __version__
from burro.frontends.app_server import steer_fork
from burro.frontends.app_server.convert import (
    APPROVALS,
    INTERNAL,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SANDBOX,
    RpcError,
    approval_json,
    choice,
    info_json,
    input_parts,
    override,
    thread_json,
)
from burro.frontends.app_server.items import TurnMapper, history, now_ms
from burro.frontends.app_server.review import review_start
from burro.protocol.events import (
    EventEnvelope,
    ExecApprovalRequest,
    PatchApprovalRequest,
    TurnStarted,
)
from burro.protocol.items import TextPart
from burro.protocol.ops import (
    ExecApproval,
    Interrupt,
    Op,
    PatchApproval,
    ReviewDecision,
    UserTurn,
)

if TYPE_CHECKING:
    from burro.config import Settings
    from burro.core.api import SessionHandle

_DECISION: dict[str, ReviewDecision] = {
    "accept": "approved",
    "acceptForSession": "approved_for_session",
    "decline": "denied",
    "cancel": "abort",
}


@dataclass
class ServerConfig:
    overrides: list[str] = field(default_factory=list)
    profile: str | None = None
    model: str | None = None


@dataclass
class _Thread:
    handle: SessionHandle
    settings: Settings
    ephemeral: bool
    created: int
    preview: str = ""
    turn: asyncio.Task[None] | None = None


class AppServer:
    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._env = dict(os.environ)
        self._threads: dict[str, _Thread] = {}
        self._initialized = False
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._out = sys.stdout.buffer

    # ------------------------------------------------------------ transport

    def _write(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self._out.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._write({"method": method, "params": params})

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """A server -> client request; the answer comes back through the reader."""
        rid = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = fut
        self._write({"id": rid, "method": method, "params": params})
        try:
            return await fut
        finally:
            self._waiting.pop(rid, None)

    async def serve_stdio(self) -> int:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        try:
            async for line in _lines(reader):
                self._receive(line)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(
                *(t.handle.shutdown(grace_s=5.0) for t in self._threads.values()),
                return_exceptions=True,
            )
        return 0

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _receive(self, line: bytes) -> None:
        try:
            msg = json.loads(line)
        except ValueError:
            self._write(
                {"id": None, "error": {"code": PARSE_ERROR, "message": "parse error: not JSON"}}
            )
            return
        if not isinstance(msg, dict):
            return
        if "method" not in msg:  # a response to one of our requests (our ids are ints)
            rid = msg.get("id")
            fut = self._waiting.get(rid) if isinstance(rid, int) else None
            if fut is not None and not fut.done():
                fut.set_result(msg.get("result", {"error": msg.get("error")}))
            return
        if "id" not in msg:
            return  # notifications from the client (initialized) need no answer
        self._spawn(self._answer(msg["id"], str(msg["method"]), msg.get("params") or {}))

    async def _answer(self, rid: Any, method: str, params: dict[str, Any]) -> None:
        handler = _METHODS.get(method)
        try:
            if handler is None:
                raise RpcError(METHOD_NOT_FOUND, f"method {method} is not supported by burro")
            if not self._initialized and method != "initialize":
                raise RpcError(INVALID_REQUEST, "Not initialized")
            if not isinstance(params, dict):
                raise RpcError(INVALID_PARAMS, f"{method}: params must be a JSON object")
            result = await handler(self, params)
        except RpcError as exc:
            self._write({"id": rid, "error": {"code": exc.code, "message": str(exc)}})
            return
        except Exception as exc:  # the edge: a bug becomes an error answer, not a dead server
            self._write(
                {"id": rid, "error": {"code": INTERNAL, "message": f"{type(exc).__name__}: {exc}"}}
            )
            return
        self._write({"id": rid, "result": result})

    # ------------------------------------------------------------ handshake

    async def initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        from burro.config import burro_home

        self._initialized = True
        return {
            "userAgent": f"burro/{__version__}",
            "codexHome": str(burro_home(self._env).resolve()),
            "platformFamily": "unix" if os.name == "posix" else "windows",
            "platformOs": {"linux": "linux", "darwin": "macos"}.get(sys.platform, sys.platform),
        }

    # ------------------------------------------------------------ threads

    def _settings(self, params: dict[str, Any]) -> Settings:
        from burro.config import ConfigError, load_settings
        from burro.core.api import in_git_repo

        cwd = Path(params.get("cwd") or os.getcwd())
        if not cwd.is_dir():
            raise RpcError(INVALID_PARAMS, f"cwd {cwd} is not a directory")
        overrides = list(self._config.overrides)
        for key, value in (params.get("config") or {}).items():
            overrides.append(f"{key}={json.dumps(value)}")
        approval = choice(params.get("approvalPolicy"), "approvalPolicy", APPROVALS)
        sandbox = choice(params.get("sandbox"), "sandbox", tuple(SANDBOX))
        try:
            return load_settings(
                cwd=cwd,
                env=self._env,
                overrides=overrides,
                profile=self._config.profile,
                model=params.get("model") or self._config.model,
                provider=params.get("modelProvider"),
                sandbox_mode=sandbox,  # type: ignore[arg-type]  # checked by _choice
                approval_policy=approval,  # type: ignore[arg-type]
                # As in the UI: the editor's user is watching, so edits are allowed in a repo.
                default_sandbox_mode="workspace-write" if in_git_repo(cwd) else "read-only",
            )
        except ConfigError as exc:
            raise RpcError(INVALID_PARAMS, str(exc)) from exc

    async def _open(self, params: dict[str, Any], *, resume: str | None) -> _Thread:
        from burro.core.api import CoreError, SessionNotFound, SessionOptions, start_session

        settings = self._settings(params)
        ephemeral = bool(params.get("ephemeral"))
        try:
            handle = await start_session(
                settings,
                env=self._env,
                resume=resume,
                options=SessionOptions(ephemeral=ephemeral),
                instructions=params.get("baseInstructions"),
            )
        except SessionNotFound as exc:
            raise RpcError(INVALID_PARAMS, f"no thread {resume}: {exc}") from exc
        except CoreError as exc:
            raise RpcError(INTERNAL, str(exc)) from exc
        thread = _Thread(handle, settings, ephemeral, int(time.time()))
        self._threads[handle.session_id] = thread
        return thread

    def _thread_obj(self, t: _Thread) -> dict[str, Any]:
        return thread_json(
            t.handle.session_id,
            cwd=str(t.settings.cwd),
            provider=t.settings.provider_id,
            model=t.settings.model,
            created=t.created,
            preview=t.preview,
            ephemeral=t.ephemeral,
            path=t.handle.rollout_path,
            status={"type": "active", "activeFlags": []} if t.turn else {"type": "idle"},
        )

    def _thread_response(self, t: _Thread) -> dict[str, Any]:
        s = t.settings
        return {
            "thread": self._thread_obj(t),
            "model": s.model,
            "modelProvider": s.provider_id,
            "cwd": str(s.cwd),
            "approvalPolicy": approval_json(s.approval_policy),
            "approvalsReviewer": "user",
            "sandbox": {"type": SANDBOX[s.sandbox_mode]},
            "reasoningEffort": s.effort,
        }

    async def thread_start(self, params: dict[str, Any]) -> dict[str, Any]:
        t = await self._open(params, resume=None)
        response = self._thread_response(t)
        self._later(lambda: self.notify("thread/started", {"thread": self._thread_obj(t)}))
        return response

    async def thread_resume(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_id = str(params.get("threadId") or "")
        t = self._threads.get(thread_id) or await self._open(params, resume=thread_id)
        response = self._thread_response(t)
        if not params.get("excludeTurns"):
            response["thread"]["turns"] = await self._turns(t.handle.session_id)
        return response

    async def thread_read(self, params: dict[str, Any]) -> dict[str, Any]:
        """A loaded thread, or a saved one (``notLoaded``), with its turns on request."""
        from burro.core.api import list_sessions

        thread_id = str(params.get("threadId") or "")
        loaded = self._threads.get(thread_id)
        if loaded is not None:
            thread = self._thread_obj(loaded)
        else:
            saved = await asyncio.to_thread(list_sessions, self._home())
            info = next((s for s in saved if s.id == thread_id), None)
            if info is None:
                raise RpcError(INVALID_PARAMS, f"no thread {thread_id}")
            thread = info_json(info)
        if params.get("includeTurns"):
            thread["turns"] = await self._turns(thread["id"])
        return {"thread": thread}

    async def _turns(self, thread_id: str) -> list[dict[str, Any]]:
        from burro.core.api import session_transcript

        events = await asyncio.to_thread(session_transcript, self._home(), thread_id)
        return history(thread_id, events)

    async def thread_list(self, params: dict[str, Any]) -> dict[str, Any]:
        from burro.core.api import list_sessions

        cwd = params.get("cwd")
        dirs = [cwd] if isinstance(cwd, str) else list(cwd or [])
        limit = params.get("limit")
        found = await asyncio.to_thread(
            list_sessions, self._home(), cwd=Path(dirs[0]) if len(dirs) == 1 else None
        )
        if len(dirs) > 1:
            found = [s for s in found if s.cwd in dirs]
        if isinstance(limit, int):
            found = found[:limit]
        return {"data": [info_json(s) for s in found], "nextCursor": None}

    def _home(self) -> Path:
        from burro.config import burro_home

        return burro_home(self._env)

    def _later(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` right after the current answer is written."""
        asyncio.get_running_loop().call_soon(fn)

    # ------------------------------------------------------------ turns

    def _thread(self, params: dict[str, Any]) -> _Thread:
        t = self._threads.get(str(params.get("threadId")))
        if t is None:
            raise RpcError(
                INVALID_PARAMS,
                f"thread {params.get('threadId')} is not loaded; call thread/resume first",
            )
        return t

    def idle_thread(self, params: dict[str, Any]) -> _Thread:
        t = self._thread(params)
        if t.turn is not None:
            raise RpcError(
                INVALID_REQUEST,
                "a turn is already running in this thread; wait for turn/completed or send turn/interrupt",
            )
        return t

    async def turn_start(self, params: dict[str, Any]) -> dict[str, Any]:
        t = self.idle_thread(params)
        parts = input_parts(params.get("input") or [])
        if not parts:
            raise RpcError(INVALID_PARAMS, "turn/start needs at least one input item")
        change = override(params)
        if change is not None:
            t.handle.submit(change)
        if not t.preview:
            t.preview = " ".join(p.text for p in parts if isinstance(p, TextPart))[:200]
        op = UserTurn(items=parts, output_schema=params.get("outputSchema"))
        turn_id = await self.begin_turn(t, op)
        return {"turn": {"id": turn_id, "items": [], "status": "inProgress"}}

    async def begin_turn(self, t: _Thread, op: Op) -> str:
        """Submit ``op``, which starts a turn; its events go out as notifications from
        now until it ends. The turn's id."""
        stream = t.handle.subscribe(after=t.handle.last_seq)
        t.handle.submit(op)
        mapper = TurnMapper(t.handle.session_id)
        first: list[EventEnvelope] = []
        async for env in stream:  # up to the turn's start: its id is the answer
            first.append(env)
            if isinstance(env.event, TurnStarted) or t.handle.outcome(env.event) is not None:
                break
        turn_id = next((e.event.turn_id for e in first if isinstance(e.event, TurnStarted)), "")
        t.turn = asyncio.ensure_future(self._pump(t, mapper, first, stream))
        return turn_id

    async def _pump(
        self,
        t: _Thread,
        mapper: TurnMapper,
        first: list[EventEnvelope],
        stream: AsyncIterator[EventEnvelope],
    ) -> None:
        """Send the turn's events as notifications until it ends."""
        await asyncio.sleep(0)  # the turn/start answer goes out first
        try:
            for env in first:
                if self._forward(t, mapper, env):
                    return
            async for env in stream:
                if self._forward(t, mapper, env):
                    return
        finally:
            t.turn = None

    def _forward(self, t: _Thread, mapper: TurnMapper, env: EventEnvelope) -> bool:
        ev = env.event
        for method, params in mapper.notes(ev):
            self.notify(method, params)
        if isinstance(ev, ExecApprovalRequest | PatchApprovalRequest):
            self._spawn(self._approve(t, mapper, ev))
        return t.handle.outcome(ev) is not None

    async def _approve(
        self, t: _Thread, mapper: TurnMapper, ev: ExecApprovalRequest | PatchApprovalRequest
    ) -> None:
        base = {
            "threadId": t.handle.session_id,
            "turnId": mapper.turn_id,
            "itemId": ev.call_id,
            "startedAtMs": now_ms(),
            "reason": ev.reason,
        }
        if isinstance(ev, ExecApprovalRequest):
            answer = await self.request(
                "item/commandExecution/requestApproval",
                {**base, "command": ev.command, "cwd": ev.cwd},
            )
        else:
            answer = await self.request("item/fileChange/requestApproval", base)
        raw = answer.get("decision") if isinstance(answer, dict) else None
        if isinstance(raw, dict) and "acceptWithExecpolicyAmendment" in raw:
            raw = "acceptForSession"
        decision = _DECISION.get(raw, "denied") if isinstance(raw, str) else "denied"
        if decision in ("denied", "abort"):
            mapper.declined.add(ev.call_id)
        if isinstance(ev, ExecApprovalRequest):
            t.handle.submit(ExecApproval(call_id=ev.call_id, decision=decision))
        else:
            t.handle.submit(PatchApproval(call_id=ev.call_id, decision=decision))

    async def turn_interrupt(self, params: dict[str, Any]) -> dict[str, Any]:
        t = self._thread(params)
        running = t.turn
        t.handle.submit(Interrupt())
        if running is not None:  # answer once the turn has really stopped
            await asyncio.wait({running}, timeout=30)
        return {}


async def _lines(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.strip():
            yield line


Handler = Callable[[AppServer, dict[str, Any]], Awaitable[dict[str, Any]]]
_METHODS: dict[str, Handler] = {
    "initialize": AppServer.initialize,
    "thread/start": AppServer.thread_start,
    "thread/resume": AppServer.thread_resume,
    "thread/list": AppServer.thread_list,
    "thread/read": AppServer.thread_read,
    "turn/start": AppServer.turn_start,
    "turn/interrupt": AppServer.turn_interrupt,
    "review/start": review_start,
    "turn/steer": steer_fork.turn_steer,
    "thread/fork": steer_fork.thread_fork,
}
