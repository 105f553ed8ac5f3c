"""The MCP server: tool ``burro`` starts a session and runs its first turn; ``burro-reply``
continues a session by id (still open in this process, or resumed from its rollout).
Turns run through ``SessionHandle.run_turn``: the engine's own loop, nothing else."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from burro.config.mcp_edit import toml_value
from burro.core.api import SessionHandle, TaskResult, start_session
from burro.frontends.mcp_server.bridge import (
    Approval,
    TurnRun,
    answer_schema,
    decision_of,
    question,
)
from burro.protocol.common import ApprovalPolicy, SandboxMode
from burro.protocol.ops import Interrupt

INSTRUCTIONS = (
    "burro is a coding agent. Call `burro` with a prompt (and optionally cwd, model, "
    "sandbox, approval-policy) to start a session; it works in that directory and answers "
    "with its final message and the session's threadId. Call `burro-reply` with that "
    "threadId and a prompt to continue."
)


class BurroMcpServer:
    def __init__(self, *, overrides: list[str], profile: str | None) -> None:
        self._overrides = overrides
        self._profile = profile
        self._sessions: dict[str, SessionHandle] = {}
        self._runs: dict[str, TurnRun] = {}  # session id -> its running turn

    # -- sessions -----------------------------------------------------------------------
    def _settings(self, **kw: Any) -> Any:
        from burro.config import load_settings

        cwd = Path(kw.pop("cwd") or os.getcwd()).expanduser().resolve()
        if not cwd.is_dir():
            raise ValueError(f"cwd {cwd} is not a directory")
        return load_settings(
            cwd=cwd,
            env=os.environ,
            overrides=[*self._overrides, *kw.pop("config")],
            profile=kw.pop("profile") or self._profile,
            **kw,
        )

    async def start(
        self,
        ctx: Any,
        prompt: str,
        *,
        cwd: str | None,
        model: str | None,
        sandbox: SandboxMode | None,
        approval_policy: ApprovalPolicy | None,
        profile: str | None,
        config: dict[str, Any],
    ) -> Any:
        if (run := self._resumed(ctx)) is not None:
            return await self._attend(ctx, run)
        settings = self._settings(
            cwd=cwd,
            model=model,
            sandbox_mode=sandbox,
            approval_policy=approval_policy,
            profile=profile,
            config=[f"{k}={toml_value(v)}" for k, v in config.items()],
        )
        handle = await start_session(settings, env=os.environ)
        self._sessions[handle.session_id] = handle
        return await self._attend(ctx, self._begin(handle, prompt))

    async def reply(self, ctx: Any, session_id: str, prompt: str) -> Any:
        if (run := self._resumed(ctx)) is not None:
            return await self._attend(ctx, run)
        handle = self._sessions.get(session_id)
        if handle is None or handle.closed:
            settings = self._settings(
                cwd=None, model=None, sandbox_mode=None, approval_policy=None, profile=None,
                config=[],
            )  # fmt: skip
            handle = await start_session(settings, env=os.environ, resume=session_id)
            self._sessions[handle.session_id] = handle
        if handle.session_id in self._runs:
            raise ValueError(f"session {session_id} is still working on a turn; wait for it")
        return await self._attend(ctx, self._begin(handle, prompt))

    def _begin(self, handle: SessionHandle, prompt: str) -> TurnRun:
        run = TurnRun(handle, prompt)
        self._runs[handle.session_id] = run
        return run

    def _resumed(self, ctx: Any) -> TurnRun | None:
        """A retried call (2026-07-28 ``input_required`` round): the answers it carries
        go to the turn named by its request state."""
        state = ctx.request_state
        if not state:
            return None
        run = self._runs.get(state)
        if run is None:
            raise ValueError("that turn is over (unknown request state); call the tool again")
        for call_id, response in (ctx.input_responses or {}).items():
            content = getattr(response, "content", None)
            run.answer(call_id, decision_of(getattr(response, "action", "decline"), content))
        return run

    async def _attend(self, ctx: Any, run: TurnRun) -> Any:
        """Wait for the turn, asking the client about each approval it raises."""
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        run.ctx = ctx
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        caps = ctx.client_capabilities
        can_elicit = caps is not None and getattr(caps, "elicitation", None) is not None
        try:
            while not run.task.done():
                new = [p for c, p in run.pending.items() if c not in run.asked]
                run.asked.update(p.call_id for p in new)
                if new and not can_elicit:
                    for p in new:
                        run.answer(p.call_id, "denied")
                elif new and modern:
                    return _input_required(run.handle.session_id, new)
                for p in new if can_elicit else ():
                    run.elicitations.add(asyncio.create_task(_elicit(ctx, run, p)))
                await run.wait()
        except asyncio.CancelledError:  # the client cancelled the call
            run.handle.submit(Interrupt())
            raise
        result = await run.finish()
        self._runs.pop(run.handle.session_id, None)
        return _result(result)

    async def guarded(self, call: Awaitable[Any]) -> Any:
        """A failure to start or resume becomes a tool error that says what to fix."""
        from burro.protocol.errors import BurroError

        try:
            return await call
        except (BurroError, ValueError) as exc:
            return _error(str(exc))
        except Exception as exc:  # the boundary: never a bare "Error executing tool"
            return _error(f"internal error: {type(exc).__name__}: {exc}")

    async def close(self) -> None:
        await asyncio.gather(
            *(h.shutdown(grace_s=10) for h in self._sessions.values()), return_exceptions=True
        )

    # -- the MCP side ---------------------------------------------------------------------
    def build(self) -> Any:
        from mcp.server import MCPServer

        from burro import __version__
        from burro.frontends.mcp_server.mcp_tools import register

        server = MCPServer("burro", version=__version__, instructions=INSTRUCTIONS)
        register(server, self)
        return server

    async def run_stdio(self) -> None:
        server = self.build()
        try:
            await server.run_stdio_async()
        finally:
            await self.close()


def _result(result: TaskResult) -> Any:
    from mcp.types import CallToolResult, TextContent

    text = result.last_message or ""
    if result.status != "completed":
        why = result.error.message if result.error else result.status
        text = f"{text}\n\n[turn {result.status}: {why}]".strip()
    return CallToolResult(
        content=[TextContent(type="text", text=text or "(no message)")],
        structured_content={"threadId": result.session_id, "content": text},
        is_error=result.status == "failed",
    )


def _error(message: str) -> Any:
    from mcp.types import CallToolResult, TextContent

    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


async def _elicit(ctx: Any, run: TurnRun, event: Approval) -> None:
    """Handshake era: ask in the middle of the call; any failure declines."""
    try:
        result = await ctx.elicit(question(event), answer_schema())
        data = result.data.model_dump() if result.action == "accept" else None
        run.answer(event.call_id, decision_of(result.action, data))
    except Exception:
        run.answer(event.call_id, "denied")


def _input_required(session_id: str, approvals: list[Approval]) -> Any:
    """2026-07-28: hand the questions back; the client retries the call with answers."""
    from mcp.server.elicitation import render_elicitation_schema
    from mcp.types import ElicitRequest, ElicitRequestFormParams, InputRequiredResult

    schema = render_elicitation_schema(answer_schema())
    return InputRequiredResult(
        input_requests={
            a.call_id: ElicitRequest(
                params=ElicitRequestFormParams(message=question(a), requested_schema=schema)
            )
            for a in approvals
        },
        request_state=session_id,
    )
