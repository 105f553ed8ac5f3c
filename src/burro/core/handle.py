"""The handle a front end holds on a running session, and the one drive loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Literal

import msgspec

from burro.core.session import Session
from burro.protocol.common import ErrorInfo, TokenUsage
from burro.protocol.events import (
    Event,
    EventEnvelope,
    ShutdownComplete,
    TurnAborted,
    TurnComplete,
    TurnFailed,
)
from burro.protocol.items import ContentPart
from burro.protocol.mcp import McpServerStatus
from burro.protocol.ops import Op, Shutdown, SteerTurn, UserTurn

TaskStatus = Literal["completed", "failed", "interrupted"]


class TaskResult(msgspec.Struct, kw_only=True):
    """How a task (one prompt driven to the end of its turn) ended."""

    session_id: str
    status: TaskStatus
    last_message: str | None = None
    usage: TokenUsage = TokenUsage()
    error: ErrorInfo | None = None
    turn_id: str | None = None
    rollout_path: str | None = None


class SessionHandle:
    """A running session: submit Ops, subscribe to its numbered events."""

    def __init__(self, session: Session, task: asyncio.Task[None], *, rollout: str | None) -> None:
        self._session = session
        self._task = task
        self.session_id = session.state.session_id
        self.rollout_path = rollout
        # The first event this process publishes (resumed sessions continue numbering).
        self.first_seq = session.bus.last_seq + 1
        self._stopping: asyncio.Future[bool] | None = None

    def submit(self, op: Op) -> None:
        self._session.submit(op)

    def steer(self, items: list[ContentPart], *, expected_turn_id: str | None = None) -> str:
        """Add user input to the turn in flight (the model gets it at that turn's next
        request); returns the turn's id. Raises SteerRefused (``code``: no_active_turn,
        turn_mismatch, turn_not_steerable) when it cannot; ``submit(SteerTurn(...))``
        is the same without the answer (a refusal is an Error event)."""
        return self._session.steer(SteerTurn(items=list(items), expected_turn_id=expected_turn_id))

    @property
    def last_seq(self) -> int:
        return self._session.bus.last_seq

    def mcp_servers(self) -> list[McpServerStatus]:
        """The session's MCP servers: status, error, tools (empty when none is configured)."""
        mcp = self._session.state.mcp
        return mcp.statuses() if mcp is not None else []

    @property
    def closed(self) -> bool:
        return self._task.done()

    def subscribe(self, *, after: int | None = None) -> AsyncIterator[EventEnvelope]:
        """Events with a sequence number above ``after`` (default: from this process's
        first event): a replay, then the live tail until the session shuts down. Any
        number of readers may subscribe; none of them misses or repeats an event."""
        return self._session.bus.subscribe(after=self.first_seq - 1 if after is None else after)

    async def events(self) -> AsyncIterator[Event]:
        """The events of this process's run of the session, without envelopes."""
        async for env in self.subscribe():
            yield env.event

    async def run_turn(
        self,
        op: UserTurn | None,
        *,
        on_event: Callable[[EventEnvelope], None] | None = None,
    ) -> TaskResult:
        """Submit ``op`` (None: wait for the turn already running or continuing) and
        drive it to its end; ``on_event`` sees every event from now until then."""
        stream = self.subscribe(after=self.last_seq)
        if op is not None:
            self.submit(op)
        async for env in stream:
            if on_event is not None:
                on_event(env)
            result = self.outcome(env.event)
            if result is not None:
                return result
        return self.outcome(ShutdownComplete()) or self._result("interrupted", None, None)

    def outcome(self, ev: Event) -> TaskResult | None:
        """The task's result when ``ev`` ends a turn (or the session), else None."""
        if isinstance(ev, TurnComplete):
            return self._result("completed", ev.turn_id, ev.last_agent_message, usage=ev.usage)
        if isinstance(ev, TurnFailed):
            return self._result("failed", ev.turn_id, None, usage=ev.usage, error=ev.error)
        if isinstance(ev, TurnAborted):
            return self._result("interrupted", ev.turn_id, None)
        if isinstance(ev, ShutdownComplete):
            return self._result(
                "interrupted",
                None,
                None,
                error=ErrorInfo(code="core", message="the session shut down before the turn ended"),
            )
        return None

    def _result(
        self,
        status: TaskStatus,
        turn_id: str | None,
        last: str | None,
        *,
        usage: TokenUsage | None = None,
        error: ErrorInfo | None = None,
    ) -> TaskResult:
        return TaskResult(
            session_id=self.session_id,
            status=status,
            last_message=last,
            usage=usage or TokenUsage(),
            error=error,
            turn_id=turn_id,
            rollout_path=self.rollout_path,
        )

    async def shutdown(self, *, grace_s: float = 10.0) -> bool:
        """Ask the session to stop and wait up to ``grace_s``. When it does not stop in
        time (a tool stuck in the kernel), its task is cancelled and the event stream is
        closed anyway, so no reader and no process waits for ever. False then."""
        self.submit(Shutdown())
        done, _ = await asyncio.wait({self._task}, timeout=grace_s)
        if done:
            return True
        self._task.cancel()
        await asyncio.wait({self._task}, timeout=1.0)
        if not self._session.bus.closed:
            self._session.bus.publish(ShutdownComplete())
        return False

    def stop(self, *, grace_s: float = 10.0) -> None:
        """``shutdown`` from synchronous code (a signal handler); idempotent."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self.shutdown(grace_s=grace_s))

    async def wait_closed(self) -> None:
        await asyncio.gather(self._task, return_exceptions=True)
