"""burro as an ACP agent: each ACP session is a burro session driven through core.api."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from burro import __version__
from burro.frontends.acp.files import EditorFiles
from burro.frontends.acp.mapping import MODES, EventMapper, Mode, acp_modes, mode_for, prompt_parts
from burro.protocol.events import (
    ExecApprovalRequest,
    PatchApprovalRequest,
    TurnAborted,
    TurnFailed,
)
from burro.protocol.ops import (
    ExecApproval,
    Interrupt,
    OverrideTurnContext,
    PatchApproval,
    ReviewDecision,
    UserTurn,
)

if TYPE_CHECKING:
    from acp.schema import (
        AuthenticateResponse,
        InitializeResponse,
        ListSessionsResponse,
        LoadSessionResponse,
        NewSessionResponse,
        PromptResponse,
        SetSessionModeResponse,
    )

    from acp import Client
    from burro.config import Settings
    from burro.core.api import SessionHandle

_DECISIONS: dict[str, ReviewDecision] = {
    "allow_once": "approved",
    "allow_always": "approved_for_session",
    "reject_once": "denied",
}


@dataclass
class _Session:
    handle: SessionHandle
    mapper: EventMapper
    mode: Mode
    asks: set[asyncio.Task[None]] = field(default_factory=set)
    busy: bool = False  # a prompt is running


@dataclass
class AgentConfig:
    """What `burro acp` was started with (applied to every session)."""

    overrides: list[str] = field(default_factory=list)
    profile: str | None = None
    model: str | None = None
    env: dict[str, str] | None = None


class BurroAgent:
    """The ACP ``Agent`` side (the SDK calls these methods)."""

    def __init__(self, config: AgentConfig) -> None:
        self._config = config
        self._env = dict(os.environ if config.env is None else config.env)
        self._conn: Client | None = None
        self._sessions: dict[str, _Session] = {}
        # The client offers fs/read_text_file, fs/write_text_file.
        self._editor_fs = (False, False)

    def on_connect(self, conn: Client) -> None:
        self._conn = conn

    @property
    def conn(self) -> Client:
        assert self._conn is not None, "the SDK connects before the first request"
        return self._conn

    # ------------------------------------------------------------ settings

    def _settings(self, cwd: str) -> Settings:
        from acp import RequestError
        from burro.config import ConfigError, load_settings
        from burro.core.api import in_git_repo

        path = Path(cwd)
        if not path.is_dir():
            raise RequestError.invalid_params({"message": f"cwd {cwd} is not a directory"})
        try:
            return load_settings(
                cwd=path,
                env=self._env,
                overrides=self._config.overrides,
                profile=self._config.profile,
                model=self._config.model,
                # As in the UI: the user is watching, so edits are allowed in a repository.
                default_sandbox_mode="workspace-write" if in_git_repo(path) else "read-only",
            )
        except ConfigError as exc:
            raise RequestError.invalid_params({"message": str(exc)}) from exc

    def _missing_key(self, settings: Settings) -> str | None:
        provider = settings.provider
        if provider.requires_api_key and provider.env_key and not settings.api_key(self._env):
            return f"{provider.env_key} is not set for provider `{settings.provider_id}`; set it in the editor's environment for burro"
        return None

    # ------------------------------------------------------------ handshake

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: Any = None,
        client_info: Any = None,
        **_: Any,
    ) -> InitializeResponse:
        from acp.schema import (
            AgentCapabilities,
            AuthMethodAgent,
            Implementation,
            InitializeResponse,
            PromptCapabilities,
            SessionCapabilities,
            SessionListCapabilities,
        )

        from acp import PROTOCOL_VERSION

        fs = getattr(client_capabilities, "fs", None)
        if fs is not None:
            self._editor_fs = (bool(fs.read_text_file), bool(fs.write_text_file))
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(image=True, embedded_context=True),
                session_capabilities=SessionCapabilities(list=SessionListCapabilities()),
            ),
            auth_methods=[
                AuthMethodAgent(
                    id="provider-key",
                    name="Provider API key",
                    description="burro reads the model provider's key from its environment "
                    "(e.g. OPENAI_API_KEY) or `burro login`.",
                )
            ],
            agent_info=Implementation(name="burro", title="burro", version=__version__),
        )

    async def authenticate(self, method_id: str, **_: Any) -> AuthenticateResponse | None:
        from acp.schema import AuthenticateResponse

        from acp import RequestError

        problem = self._missing_key(self._settings(os.getcwd()))
        if problem:
            raise RequestError.auth_required({"message": problem})
        return AuthenticateResponse()

    # ------------------------------------------------------------ sessions

    async def _open(self, cwd: str, *, resume: str | None) -> _Session:
        from acp import RequestError
        from burro.core.api import CoreError, SessionNotFound, start_session

        settings = self._settings(cwd)
        problem = self._missing_key(settings)
        if problem:
            raise RequestError.auth_required({"message": problem})
        reads, writes = self._editor_fs
        files = EditorFiles(self.conn, reads=reads, writes=writes)
        try:
            handle = await start_session(
                settings, env=self._env, resume=resume, files=files if reads or writes else None
            )
        except SessionNotFound as exc:
            raise RequestError.resource_not_found(resume) from exc
        except CoreError as exc:
            raise RequestError.internal_error({"message": str(exc)}) from exc
        files.session_id = handle.session_id
        mode = mode_for(settings.sandbox_mode, settings.approval_policy)
        session = _Session(handle, EventMapper(cwd=settings.cwd, written=files.written), mode)
        self._sessions[handle.session_id] = session
        return session

    def _modes(self, session: _Session) -> Any:
        from acp.schema import SessionModeState

        return SessionModeState(
            current_mode_id=session.mode.id, available_modes=acp_modes(session.mode)
        )

    async def new_session(self, cwd: str, mcp_servers: Any = None, **_: Any) -> NewSessionResponse:
        from acp.schema import NewSessionResponse

        session = await self._open(cwd, resume=None)
        return NewSessionResponse(session_id=session.handle.session_id, modes=self._modes(session))

    async def load_session(
        self, cwd: str, session_id: str, mcp_servers: Any = None, **_: Any
    ) -> LoadSessionResponse | None:
        """Resume a saved burro session and replay its conversation to the editor."""
        from acp.schema import LoadSessionResponse

        from acp import RequestError
        from burro.core.api import SessionNotFound, session_transcript

        settings = self._settings(cwd)
        try:
            events = session_transcript(settings.burro_home, session_id)
        except SessionNotFound as exc:
            raise RequestError.resource_not_found(session_id) from exc
        replay = EventMapper(cwd=settings.cwd, replay=True)
        for ev in events:
            for update in replay.updates(ev):
                await self.conn.session_update(session_id=session_id, update=update)
        session = await self._open(cwd, resume=session_id)
        return LoadSessionResponse(modes=self._modes(session))

    async def list_sessions(
        self, cwd: str | None = None, cursor: str | None = None, **_: Any
    ) -> ListSessionsResponse:
        """Saved burro sessions, newest first (those of ``cwd`` when given)."""
        from datetime import UTC, datetime

        from acp.schema import ListSessionsResponse, SessionInfo

        from burro.config import burro_home
        from burro.core.api import list_sessions

        found = await asyncio.to_thread(
            list_sessions, burro_home(self._env), cwd=Path(cwd) if cwd else None, limit=200
        )
        return ListSessionsResponse(
            sessions=[
                SessionInfo(
                    session_id=s.id,
                    cwd=s.cwd,
                    title=" ".join(s.first_prompt.split())[:80] or None,
                    updated_at=datetime.fromtimestamp(s.modified, UTC).isoformat(),
                )
                for s in found
            ]
        )

    async def set_session_mode(
        self, mode_id: str, session_id: str, **_: Any
    ) -> SetSessionModeResponse | None:
        from acp.helpers import update_current_mode
        from acp.schema import SetSessionModeResponse

        from acp import RequestError

        session = self._session(session_id)
        mode = next((m for m in MODES if m.id == mode_id), None)
        if mode is None:
            if mode_id == session.mode.id:
                return SetSessionModeResponse()
            raise RequestError.invalid_params({"message": f"unknown mode {mode_id}"})
        session.handle.submit(
            OverrideTurnContext(approval_policy=mode.approval, sandbox_mode=mode.sandbox)
        )
        session.mode = mode
        await self.conn.session_update(session_id=session_id, update=update_current_mode(mode.id))
        return SetSessionModeResponse()

    def _session(self, session_id: str) -> _Session:
        from acp import RequestError

        session = self._sessions.get(session_id)
        if session is None:
            raise RequestError.invalid_params({"message": f"no open session {session_id}"})
        return session

    # ------------------------------------------------------------ turns

    async def prompt(self, prompt: list[Any], session_id: str, **_: Any) -> PromptResponse:
        """Run one turn: stream its events as session updates, ask for approvals, and
        answer with the stop reason when the turn ends."""
        from acp.schema import PromptResponse

        from acp import RequestError

        session = self._session(session_id)
        if session.busy:
            raise RequestError.invalid_request(
                {"message": "a prompt is already running in this session; wait for it or cancel it"}
            )
        session.busy = True
        handle = session.handle
        stream = handle.subscribe(after=handle.last_seq)
        handle.submit(UserTurn(items=prompt_parts(prompt)))
        try:
            async for env in stream:
                ev = env.event
                if isinstance(ev, ExecApprovalRequest | PatchApprovalRequest):
                    await self._ask(session, session_id, ev)
                for update in session.mapper.updates(ev):
                    await self.conn.session_update(session_id=session_id, update=update)
                if handle.outcome(ev) is None:
                    continue
                if isinstance(ev, TurnFailed):
                    raise RequestError.internal_error(
                        {"message": ev.error.message, "code": ev.error.code}
                    )
                if isinstance(ev, TurnAborted):
                    stop: Literal["max_turn_requests", "cancelled"] = (
                        "max_turn_requests" if ev.reason == "budget" else "cancelled"
                    )
                    return PromptResponse(stop_reason=stop)
                return PromptResponse(stop_reason="end_turn")
        finally:
            session.busy = False
            for task in session.asks:
                task.cancel()
        return PromptResponse(stop_reason="cancelled")

    async def _ask(
        self, session: _Session, session_id: str, ev: ExecApprovalRequest | PatchApprovalRequest
    ) -> None:
        """Show the call as pending and ask the editor, without holding up the event
        stream (a cancel must still get through while the user thinks)."""
        mapper = session.mapper
        if isinstance(ev, ExecApprovalRequest):
            update = mapper.exec_call(ev.call_id, ev.command, ev.cwd, status="pending")
        else:
            update = mapper.patch_call(ev.call_id, ev.changes, status="pending")
        await self.conn.session_update(session_id=session_id, update=update)
        task = asyncio.create_task(self._permission(session, session_id, ev))
        session.asks.add(task)
        task.add_done_callback(session.asks.discard)

    async def _permission(
        self, session: _Session, session_id: str, ev: ExecApprovalRequest | PatchApprovalRequest
    ) -> None:
        from acp.schema import PermissionOption, ToolCallUpdate

        is_exec = isinstance(ev, ExecApprovalRequest)
        options = [
            PermissionOption(option_id="allow_once", name="Allow", kind="allow_once"),
            PermissionOption(
                option_id="allow_always", name="Allow for this session", kind="allow_always"
            ),
            PermissionOption(option_id="reject_once", name="Reject", kind="reject_once"),
        ]
        call = ToolCallUpdate(
            tool_call_id=ev.call_id,
            title=ev.command if isinstance(ev, ExecApprovalRequest) else "Edit files",
            kind="execute" if is_exec else "edit",
            status="pending",
            raw_input={"reason": ev.reason},
        )
        decision: ReviewDecision = "abort"
        try:
            resp = await self.conn.request_permission(
                session_id=session_id, tool_call=call, options=options
            )
        except asyncio.CancelledError:
            raise  # the turn is over: nothing is waiting for this answer any more
        except Exception:  # the editor failed the request: treat it as a refusal
            decision = "abort"
        else:
            if resp.outcome.outcome == "selected":
                decision = _DECISIONS.get(resp.outcome.option_id, "denied")
        op = (
            ExecApproval(call_id=ev.call_id, decision=decision)
            if is_exec
            else PatchApproval(call_id=ev.call_id, decision=decision)
        )
        session.handle.submit(op)

    async def cancel(self, session_id: str, **_: Any) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.handle.submit(Interrupt())

    async def close(self) -> None:
        """Stop every session (the editor went away)."""
        await asyncio.gather(
            *(s.handle.shutdown(grace_s=5.0) for s in self._sessions.values()),
            return_exceptions=True,
        )
        self._sessions.clear()
