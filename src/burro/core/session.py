"""The session actor: front ends ``submit`` Ops and read Events; one turn at a time.

The actor is also the session boundary: whatever a turn raises becomes a ``TurnFailed``
event with a typed error code, and the session stays usable."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from burro.core.bus import EventBus
from burro.core.context import permissions_message
from burro.core.errors import CoreError, SteerRefused
from burro.core.state import SessionState
from burro.core.store import RolloutWriteError
from burro.core.turn import Turn
from burro.protocol.common import ErrorInfo
from burro.protocol.errors import BurroError
from burro.protocol.events import (
    AgentMessage,
    CompletionNudge,
    ContextCompacted,
    EnteredReviewMode,
    Error,
    Event,
    ExecCommandEnd,
    ExitedReviewMode,
    PatchApplyEnd,
    PlanUpdate,
    SessionConfigured,
    ShutdownComplete,
    TokenCount,
    ToolCallEnd,
    TurnAborted,
    TurnComplete,
    TurnContext,
    TurnFailed,
    TurnStarted,
    UndoComplete,
    UserMessageEvent,
    Warning,
)
from burro.protocol.items import ContentPart, Message, TextPart
from burro.protocol.ops import (
    Compact,
    ExecApproval,
    Interrupt,
    Op,
    OverrideTurnContext,
    PatchApproval,
    Review,
    Shutdown,
    SteerTurn,
    Undo,
    UserTurn,
)

_REVIEW = "burro-review"
_REVIEWING = "a review is running and takes no input; wait for it or interrupt it, then ask again"

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
    TurnContext,
    EnteredReviewMode,
    ExitedReviewMode,
    ShutdownComplete,
)


def error_info(exc: BaseException) -> ErrorInfo:
    """How any exception reaches a front end: typed when it is one of ours."""
    if isinstance(exc, BurroError):
        return exc.to_error_info()
    detail = str(exc) or type(exc).__name__
    return ErrorInfo(
        code="internal",
        message=f"internal error ({type(exc).__name__}: {detail}); the session is still usable",
    )


class Session:
    def __init__(
        self,
        state: SessionState,
        *,
        configured: SessionConfigured,
        warnings: list[str],
        bus: EventBus,
        continue_pending: bool = False,
    ) -> None:
        self._ops: asyncio.Queue[Op] = asyncio.Queue()
        self._configured = configured
        self._warnings = warnings
        self._continue_pending = continue_pending
        self._turn: asyncio.Task[None] | None = None
        self._current: Turn | None = None  # the turn ``_turn`` runs (None: a compaction)
        self.bus = bus
        state.emit = self._publish
        self.state = state

    # -- the door ------------------------------------------------------------------------
    def submit(self, op: Op) -> None:
        self._ops.put_nowait(op)

    @property
    def turn_running(self) -> bool:
        return self._turn is not None and not self._turn.done()

    @property
    def reviewing(self) -> bool:
        """A review runs: it takes no typed or steered input."""
        return self.turn_running and self._turn is not None and self._turn.get_name() == _REVIEW

    def _publish(self, event: Event) -> None:
        """Number the event, persist it when it matters, and fan it out. Never raises:
        event lines are best effort in the writer (history lines are what fail a turn),
        and the event reaches every reader either way."""
        if isinstance(event, PlanUpdate):
            self.state.plan = list(event.plan)
        env = self.bus.publish(event)
        rollout = self.state.rollout
        if isinstance(event, PERSISTED_EVENTS) and rollout is not None:
            rollout.event(event, seq=env.seq)

    # -- the actor loop ------------------------------------------------------------------
    async def run(self) -> None:
        self._publish(self._configured)
        self._publish(self.state.turn_context())
        for text in self._warnings:
            self._publish(Warning(message=text))
        if self.state.mcp is not None:
            self.state.mcp.attach(self._publish)
        if self._continue_pending:
            self._start_turn(Turn(self.state, turn_id=_turn_id(), op=None))
        try:
            while True:
                op = await self._ops.get()
                if isinstance(op, Shutdown):
                    break
                try:
                    await self._handle(op)
                except Exception as exc:  # the boundary: report, stay usable
                    self._publish(Error(error=error_info(exc)))
        finally:
            await self._stop_turn()
            await self.state.processes.close()  # background commands end with the session
            if self.state.mcp is not None:
                await self.state.mcp.close()
            try:
                await self.state.client.aclose()
            except Exception as exc:
                self._publish(Warning(message=f"closing the model client failed: {exc}"))
            if self.state.rollout is not None:
                self.state.rollout.close()
            self._publish(ShutdownComplete())

    async def _handle(self, op: Op) -> None:
        st = self.state
        if isinstance(op, UserTurn):
            if self.reviewing:
                self._publish(Error(error=ErrorInfo(code="bad_request", message=_REVIEWING)))
                return
            if self.turn_running:
                # input typed during a turn joins that turn
                self._queue_input(op.items, client_id=op.client_id)
                return
            self._start_turn(Turn(st, turn_id=_turn_id(), op=op))
        elif isinstance(op, Review):
            if self.turn_running:
                self._publish(
                    Error(
                        error=ErrorInfo(
                            code="bad_request",
                            message="a turn is running; wait for it or interrupt it, then review",
                        )
                    )
                )
                return
            self._current = None  # a review takes no steered input
            self._turn = asyncio.create_task(self._review(op), name=_REVIEW)
        elif isinstance(op, SteerTurn):
            try:
                self.steer(op)
            except SteerRefused as exc:
                self._publish(Error(error=exc.to_error_info()))
        elif isinstance(op, Interrupt):
            await self._stop_turn()
        elif isinstance(op, OverrideTurnContext):
            await self._override(op)
        elif isinstance(op, Compact):
            if self.turn_running:
                st.compact_requested = True  # the running turn compacts before its next step
                return
            self._current = None
            self._turn = asyncio.create_task(self._compact_now(), name="burro-compact")
        elif isinstance(op, ExecApproval | PatchApproval):
            if not st.approvals.answer(op.call_id, op.decision):
                self._publish(Warning(message=f"no approval is pending for call {op.call_id}"))
        elif isinstance(op, Undo):
            await self._undo()

    def steer(self, op: SteerTurn) -> str:
        """Queue ``op``'s input for the running turn (the model gets it at the turn's
        next request); the turn's id. SteerRefused when no turn takes input, or when
        the running turn is not the one expected."""
        if self.reviewing:
            raise SteerRefused(_REVIEWING, code="turn_not_steerable")
        turn = self._current if self.turn_running else None
        if turn is None and self.turn_running:
            raise SteerRefused(
                "a compaction is running and takes no input; send the input as a new turn "
                "once it ends",
                code="turn_not_steerable",
            )
        if turn is None or not turn.accepting_input:
            raise SteerRefused(
                "no turn is running; start a new turn with this input", code="no_active_turn"
            )
        if op.expected_turn_id is not None and op.expected_turn_id != turn.turn_id:
            raise SteerRefused(
                f"expected the running turn to be {op.expected_turn_id}, but {turn.turn_id} "
                "is running; steer that one or start a new turn",
                code="turn_mismatch",
            )
        self._queue_input(op.items)
        return turn.turn_id

    def _queue_input(self, items: list[ContentPart], *, client_id: str | None = None) -> None:
        """Input for the running turn, recorded at once (a crash keeps it)."""
        st = self.state
        message = Message(role="user", content=list(items), client_id=client_id)
        st.pending_input.append(message)
        if st.rollout is not None:
            # When the file cannot take it, the writer keeps the line queued and the
            # turn's next history line fails the turn visibly; the input is kept.
            with contextlib.suppress(RolloutWriteError):
                st.rollout.pending_input(message)

    def _start_turn(self, turn: Turn) -> None:
        self._current = turn
        self._turn = asyncio.create_task(self._run_turn(turn), name="burro-turn")

    async def _run_turn(self, turn: Turn) -> None:
        st = self.state
        try:
            if st.options.undo_snapshots:
                from burro.core.snapshot import take_snapshot

                st.snapshot = await asyncio.to_thread(take_snapshot, st.settings.cwd)
            await turn.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the boundary: any failure ends the turn visibly
            turn.accepting_input = False
            await turn.stop_tools()
            turn.keep_input()
            if not turn.started:
                self._publish(TurnStarted(turn_id=turn.turn_id))
            self._publish(TurnFailed(turn_id=turn.turn_id, error=error_info(exc), usage=turn.usage))
            return

    async def _review(self, op: Review) -> None:
        turn_id = _turn_id()
        try:
            from burro.core.review_task import run_review_turn  # loaded by the first review

            await run_review_turn(self.state, turn_id=turn_id, op=op)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the boundary: a failed review ends its turn visibly
            self._publish(ExitedReviewMode(turn_id=turn_id))
            self._publish(TurnFailed(turn_id=turn_id, error=error_info(exc)))

    async def _undo(self) -> None:
        st = self.state
        if self.turn_running:
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
        from burro.core.snapshot import restore_snapshot

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

    async def _override(self, op: OverrideTurnContext) -> None:
        st = self.state
        changed = False
        if (op.model is not None and op.model != st.model) or op.provider is not None:
            try:
                replaced = st.switch_model(op.model or st.model, provider=op.provider)
            except BurroError as exc:
                self._publish(Error(error=error_info(exc)))
            else:
                changed = True
                if replaced is not None:  # the old provider's client is done with
                    await replaced.aclose()
        if op.effort is not None:
            st.effort = op.effort
            changed = True
        if op.summary is not None:
            st.summary = op.summary
            changed = True
        if self._override_permissions(op):
            changed = True
        if changed:
            self._publish(st.turn_context())

    def _override_permissions(self, op: OverrideTurnContext) -> bool:
        st = self.state
        if op.approval_policy is None and op.sandbox_mode is None:
            return False
        old = (st.approval_policy, st.sandbox_mode)
        st.approval_policy = op.approval_policy or st.approval_policy
        st.sandbox_mode = op.sandbox_mode or st.sandbox_mode
        try:
            st.configure_sandbox()
        except CoreError as exc:
            st.approval_policy, st.sandbox_mode = old
            st.configure_sandbox()
            self._publish(Warning(message=str(exc)))
            return False
        # The model learns of the change from a new message; history is never rewritten.
        st.record(
            permissions_message(st.sandbox_mode, st.approval_policy, st.policy.network_access)
        )
        return True

    async def _compact_now(self) -> None:
        turn_id = _turn_id()
        st = self.state
        self._publish(TurnStarted(turn_id=turn_id, model_context_window=st.settings.context_window))
        try:
            prompt = Turn(st, turn_id=turn_id, op=UserTurn(items=[])).prompt()
            from burro.core.compact_task import run_compaction  # loaded when first needed

            await run_compaction(
                st, turn_id=turn_id, prompt=prompt, tokens=st.context_tokens(), automatic=False
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._publish(TurnFailed(turn_id=turn_id, error=error_info(exc)))
            return
        self._publish(TurnComplete(turn_id=turn_id))

    async def _stop_turn(self) -> None:
        task = self._turn
        if task is None or task.done():
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _turn_id() -> str:
    return f"turn_{uuid.uuid4().hex[:12]}"
