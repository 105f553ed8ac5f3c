"""The session actor: front ends ``submit`` Ops and read Events; one turn at a time."""

from __future__ import annotations

import asyncio
import uuid

from burro.core.compact_task import run_compaction
from burro.core.context import permissions_message
from burro.core.errors import CoreError
from burro.core.snapshot import restore_snapshot, take_snapshot
from burro.core.state import SessionState
from burro.core.turn import Turn
from burro.protocol.events import (
    AgentMessage,
    CompletionNudge,
    ContextCompacted,
    Event,
    ExecCommandEnd,
    PatchApplyEnd,
    PlanUpdate,
    SessionConfigured,
    ShutdownComplete,
    TokenCount,
    ToolCallEnd,
    TurnAborted,
    TurnComplete,
    TurnFailed,
    TurnStarted,
    UndoComplete,
    UserMessageEvent,
    Warning,
)
from burro.protocol.items import Message, TextPart
from burro.protocol.ops import (
    Compact,
    ExecApproval,
    Interrupt,
    Op,
    OverrideTurnContext,
    PatchApproval,
    Shutdown,
    Undo,
    UserTurn,
)

# Events worth keeping in the rollout (deltas and begin events are not).
PERSISTED_EVENTS = (
    TurnStarted,
    TurnComplete,
    TurnAborted,
    TurnFailed,
    UserMessageEvent,
    AgentMessage,
    ExecCommandEnd,
    PatchApplyEnd,
    PlanUpdate,
    ToolCallEnd,
    TokenCount,
    ContextCompacted,
    CompletionNudge,
)


class Session:
    def __init__(
        self, state: SessionState, *, configured: SessionConfigured, warnings: list[str]
    ) -> None:
        self._ops: asyncio.Queue[Op] = asyncio.Queue()
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._configured = configured
        self._warnings = warnings
        self._turn: asyncio.Task[None] | None = None
        state.emit = self._publish
        self.state = state

    # -- the door ------------------------------------------------------------------------
    def submit(self, op: Op) -> None:
        self._ops.put_nowait(op)

    async def next_event(self) -> Event:
        return await self._events.get()

    def _publish(self, event: Event) -> None:
        if isinstance(event, PlanUpdate):
            self.state.plan = list(event.plan)
        if isinstance(event, PERSISTED_EVENTS) and self.state.rollout is not None:
            self.state.rollout.event(event)
        self._events.put_nowait(event)

    # -- the actor loop ------------------------------------------------------------------
    async def run(self) -> None:
        self._publish(self._configured)
        for text in self._warnings:
            self._publish(Warning(message=text))
        try:
            while True:
                op = await self._ops.get()
                if isinstance(op, Shutdown):
                    break
                await self._handle(op)
        finally:
            await self._stop_turn()
            await self.state.client.aclose()
            if self.state.rollout is not None:
                self.state.rollout.close()
            self._publish(ShutdownComplete())

    async def _handle(self, op: Op) -> None:
        st = self.state
        if isinstance(op, UserTurn):
            if self._turn is not None and not self._turn.done():
                # Input typed during a turn joins that turn.
                st.pending_input.append(Message(role="user", content=list(op.items)))
                return
            turn = Turn(st, turn_id=f"turn_{uuid.uuid4().hex[:12]}", op=op)
            self._turn = asyncio.create_task(self._run_turn(turn), name="burro-turn")
        elif isinstance(op, Interrupt):
            await self._stop_turn()
        elif isinstance(op, OverrideTurnContext):
            self._override_permissions(op)
            if op.effort is not None:
                st.effort = op.effort
            if op.summary is not None:
                st.summary = op.summary
            if op.model is not None:
                st.model = op.model
        elif isinstance(op, Compact):
            if self._turn is not None and not self._turn.done():
                st.compact_requested = True  # the running turn compacts before its next step
                return
            self._turn = asyncio.create_task(self._compact_now(), name="burro-compact")
        elif isinstance(op, ExecApproval | PatchApproval):
            if not st.approvals.answer(op.call_id, op.decision):
                self._publish(Warning(message=f"no approval is pending for call {op.call_id}"))
        elif isinstance(op, Undo):
            await self._undo()

    async def _run_turn(self, turn: Turn) -> None:
        st = self.state
        if st.options.undo_snapshots:
            st.snapshot = await asyncio.to_thread(take_snapshot, st.settings.cwd)
        await turn.run()

    async def _undo(self) -> None:
        st = self.state
        if self._turn is not None and not self._turn.done():
            self._publish(
                UndoComplete(success=False, message="a turn is running; interrupt it first")
            )
            return
        if st.snapshot is None:
            self._publish(
                UndoComplete(success=False, message="nothing to undo (no snapshot of a turn)")
            )
            return
        root, tree = st.snapshot
        result = await asyncio.to_thread(restore_snapshot, root, tree)
        if result.success and result.restored:
            st.snapshot = None
            note = "The user undid the file changes of the previous turn: " + ", ".join(
                result.restored
            )
            st.record(Message(role="developer", content=[TextPart(text=note)]))
        self._publish(
            UndoComplete(success=result.success, message=result.message, restored=result.restored)
        )

    def _override_permissions(self, op: OverrideTurnContext) -> None:
        st = self.state
        if op.approval_policy is None and op.sandbox_mode is None:
            return
        old = (st.approval_policy, st.sandbox_mode)
        st.approval_policy = op.approval_policy or st.approval_policy
        st.sandbox_mode = op.sandbox_mode or st.sandbox_mode
        try:
            st.configure_sandbox()
        except CoreError as exc:
            st.approval_policy, st.sandbox_mode = old
            st.configure_sandbox()
            self._publish(Warning(message=str(exc)))
            return
        # The model learns of the change from a new message; history is never rewritten.
        st.record(
            permissions_message(st.sandbox_mode, st.approval_policy, st.policy.network_access)
        )

    async def _compact_now(self) -> None:
        turn_id = f"turn_{uuid.uuid4().hex[:12]}"
        st = self.state
        self._publish(TurnStarted(turn_id=turn_id, model_context_window=st.settings.context_window))
        prompt = Turn(st, turn_id=turn_id, op=UserTurn(items=[])).prompt()
        await run_compaction(
            st, turn_id=turn_id, prompt=prompt, tokens=st.context_tokens(), automatic=False
        )
        self._publish(TurnComplete(turn_id=turn_id))

    async def _stop_turn(self) -> None:
        task = self._turn
        if task is None or task.done():
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
