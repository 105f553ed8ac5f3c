"""One turn of the agent loop: sample, run tools as their calls complete, repeat
until the model answers without tool calls and no user input is waiting."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from burro.core.context import data_text
from burro.core.errors import AbortTurn, TurnFailedError
from burro.core.state import SessionState
from burro.core.tool_runtime import ToolRuntime, aborted_output
from burro.models import ModelError
from burro.protocol.common import ErrorInfo, TokenUsage
from burro.protocol.errors import BurroError
from burro.protocol.events import (
    AgentMessage,
    AgentMessageDelta,
    CompletionNudge,
    ReasoningDeltaEvent,
    ReasoningEvent,
    StreamRetry,
    TokenCount,
    TurnAborted,
    TurnComplete,
    TurnFailed,
    TurnStarted,
    UserMessageEvent,
)
from burro.protocol.events import Warning as WarningEvent
from burro.protocol.items import (
    CustomToolCall,
    FunctionCall,
    Item,
    Message,
    Reasoning,
    TextPart,
)
from burro.protocol.model import Completed, ItemDone, Prompt, ReasoningDelta, TextDelta
from burro.protocol.ops import UserTurn

# How many times one turn asks the model to continue an answer cut by the output limit.
MAX_CONTINUATIONS = 3


class Turn:
    """One turn. ``op`` is the user's input; None continues a turn that was cut short
    (burro stopped mid-turn) from the recorded history, with no new user message."""

    def __init__(self, state: SessionState, *, turn_id: str, op: UserTurn | None) -> None:
        self.state = state
        self.turn_id = turn_id
        self.op = op or UserTurn(items=[])
        self._continues = op is None
        self.usage = TokenUsage()
        self.last_message: str | None = None
        self.started = False
        self._cut_by_output_limit = False
        self._sample_items: list[Item] = []
        self._answered = False
        self._runtime: ToolRuntime | None = None
        self._recorded: set[str] = set()
        # Takes steering input (SteerTurn) until it starts to end.
        self.accepting_input = True

    # -- entry point -------------------------------------------------------------------
    async def run(self) -> None:
        st = self.state
        self.started = True
        self._emit(
            TurnStarted(turn_id=self.turn_id, model_context_window=st.settings.context_window)
        )
        if not self._continues:
            msg = Message(role="user", content=list(self.op.items), client_id=self.op.client_id)
            st.record(msg)
            self._emit_user(msg)
        nudges = 0
        try:
            while True:
                self.drain_input()  # input that arrived while the model worked
                self._check_budgets()
                await self._maybe_compact()
                follow_up = await self._sample_with_retries()
                if follow_up or st.pending_input:
                    continue
                open_steps = [p.step for p in st.plan if p.status != "completed"]
                if open_steps and nudges < st.options.completion_nudges:
                    nudges += 1
                    self._nudge(open_steps, nudges)
                    continue
                break
        except (asyncio.CancelledError, AbortTurn):
            self.accepting_input = False
            await self._abort()
            return
        except TurnFailedError as exc:
            self.accepting_input = False
            self.keep_input()
            self._emit(TurnFailed(turn_id=self.turn_id, error=exc.info, usage=self.usage))
            return
        self.accepting_input = False
        self._emit(
            TurnComplete(
                turn_id=self.turn_id, last_agent_message=self.last_message, usage=self.usage
            )
        )

    # -- sampling ------------------------------------------------------------------------
    def prompt(self) -> Prompt:
        st = self.state
        info = st.settings.model_info
        return Prompt(
            model=st.model,
            instructions=st.instructions,
            items=list(st.history),
            tools=st.registry.specs(),
            parallel_tool_calls=info.supports_parallel_tool_calls,
            effort=self.op.effort or st.effort,
            summary=self.op.summary or st.summary,
            output_schema=self.op.output_schema,
            cache_key=st.session_id,
            max_output_tokens=info.max_output_tokens,
        )

    def _check_budgets(self) -> None:
        st = self.state
        opts = st.options
        reason = None
        if opts.max_turns is not None and st.requests >= opts.max_turns:
            reason = f"the limit of {opts.max_turns} model requests"
        total = st.usage.input_tokens + st.usage.output_tokens
        if opts.max_tokens is not None and total >= opts.max_tokens:
            reason = f"the limit of {opts.max_tokens} tokens ({total} used)"
        minutes = (time.monotonic() - st.started_at) / 60
        if opts.max_minutes is not None and minutes >= opts.max_minutes:
            reason = f"the limit of {opts.max_minutes:g} minutes"
        if reason:
            raise TurnFailedError(
                ErrorInfo(
                    code="budget_exceeded",
                    message=f"session budget reached: {reason}; resume the session to continue",
                )
            )

    async def _maybe_compact(self) -> None:
        st = self.state
        manual = st.compact_requested
        tokens = st.context_tokens()
        if not manual and tokens < st.compact_limit():
            return
        st.compact_requested = False
        from burro.core.compact_task import run_compaction  # loaded when first needed

        await run_compaction(
            st, turn_id=self.turn_id, prompt=self.prompt(), tokens=tokens, automatic=not manual
        )

    def _nudge(self, open_steps: list[str], attempt: int) -> None:
        st = self.state
        steps = "\n".join(f"- {s}" for s in open_steps)
        text = data_text("completion_nudge.md").strip().format(steps=steps)
        st.record(Message(role="user", content=[TextPart(text=text)]))
        self._emit(
            CompletionNudge(
                turn_id=self.turn_id,
                open_steps=open_steps,
                attempt=attempt,
                max_attempts=st.options.completion_nudges,
            )
        )

    async def _sample_with_retries(self) -> bool:
        st = self.state
        provider = st.settings.provider
        attempt = 0
        compacted = False
        empty_retried = False
        continuations = 0
        while True:
            try:
                follow_up, answered = await self._sample_once(self.prompt())
            except ModelError as exc:
                if exc.code == "context_window_exceeded" and not compacted:
                    # The provider says the request no longer fits: learn the real window
                    # when it says so, compact, then retry once.
                    compacted = True
                    st.learn_context_window(exc.context_window)
                    from burro.core.compact_task import run_compaction

                    await run_compaction(
                        st,
                        turn_id=self.turn_id,
                        prompt=self.prompt(),
                        tokens=st.context_tokens(),
                        automatic=True,
                    )
                    continue
                limit = exc.retry_limit(provider)
                if not exc.retryable:
                    raise TurnFailedError(exc.to_error_info()) from exc
                if attempt >= limit:
                    info = exc.to_error_info()
                    raise TurnFailedError(
                        ErrorInfo(
                            code=info.code,
                            message=f"{info.message} (gave up after {attempt} retries)",
                        )
                    ) from exc
                attempt += 1
                from burro.util.backoff import backoff_delay  # loaded by the first retry

                delay = backoff_delay(
                    attempt, base_ms=provider.retry_base_delay_ms, retry_after=exc.retry_after
                )
                self._emit(
                    StreamRetry(
                        turn_id=self.turn_id,
                        attempt=attempt,
                        max_attempts=limit,
                        delay_s=round(delay, 3),
                        message=str(exc),
                    )
                )
                await asyncio.sleep(delay)
                continue
            if self._cut_by_output_limit and continuations < MAX_CONTINUATIONS:
                # The output limit cut the answer: keep the part, say so, ask for the rest.
                continuations += 1
                self._emit(
                    WarningEvent(
                        turn_id=self.turn_id,
                        message="the answer reached the output token limit "
                        "(model_max_output_tokens); asking the model to continue",
                    )
                )
                note = data_text("continue_output.md").strip()
                st.record(Message(role="user", content=[TextPart(text=note)]))
                continue
            if answered or follow_up:
                return follow_up
            if empty_retried:
                raise TurnFailedError(
                    ErrorInfo(
                        code="empty_response",
                        message="the model returned an empty reply twice (no text, no tool "
                        "call); try again, or another model",
                    )
                )
            empty_retried = True
            self._emit(
                StreamRetry(
                    turn_id=self.turn_id,
                    attempt=1,
                    max_attempts=1,
                    delay_s=0.0,
                    message="the model returned an empty reply; asking again",
                )
            )

    async def _sample_once(self, prompt: Prompt) -> tuple[bool, bool]:
        """One request. Returns (tool calls ran, so the model must continue; the model
        said something: text or tool calls)."""
        st = self.state
        runtime = ToolRuntime(
            st,
            turn_id=self.turn_id,
            on_output=st.rollout.tool_output if st.rollout is not None else None,
        )
        self._runtime = runtime
        self._answered = False
        self._cut_by_output_limit = False
        self._sample_items = []
        st.requests += 1
        failure: ModelError | None = None
        try:
            async with asyncio.timeout_at(self._stream_deadline()):
                async for ev in st.client.stream(prompt):
                    self._on_stream_event(ev, runtime, prompt)
        except ModelError as exc:
            failure = exc  # calls already started still finish and are recorded: no re-run
        except TimeoutError:
            await self._drain(runtime)
            self._check_budgets()  # the time budget ran out while the model streamed
            raise
        await self._drain(runtime)
        if failure is not None:
            raise failure
        return bool(runtime.calls), bool(runtime.calls) or self._answered

    def _note_answer(self, text: str) -> None:
        self.last_message = text
        if text.strip():
            self._answered = True

    def _stream_deadline(self) -> float | None:
        """When the session's time budget ends (a loop-time deadline), if it has one."""
        minutes = self.state.options.max_minutes
        if minutes is None:
            return None
        spent = time.monotonic() - self.state.started_at
        return asyncio.get_running_loop().time() + max(minutes * 60 - spent, 0.0)

    def _on_stream_event(self, ev: Any, runtime: ToolRuntime, prompt: Prompt) -> None:
        tid = self.turn_id
        if isinstance(ev, TextDelta):
            self._emit(AgentMessageDelta(turn_id=tid, item_id=ev.item_id, delta=ev.delta))
        elif isinstance(ev, ReasoningDelta):
            self._emit(ReasoningDeltaEvent(turn_id=tid, item_id=ev.item_id, delta=ev.delta))
        elif isinstance(ev, ItemDone):
            item = ev.item
            self.state.record(item)
            self._sample_items.append(item)
            if isinstance(item, FunctionCall | CustomToolCall):
                runtime.start(item)
            elif isinstance(item, Message) and item.role == "assistant":
                self._note_answer(item.text())
                self._emit(AgentMessage(turn_id=tid, item_id=ev.item_id, text=item.text()))
            elif isinstance(item, Reasoning):
                self._emit(ReasoningEvent(turn_id=tid, item_id=ev.item_id, text=item.text()))
        elif isinstance(ev, Completed):
            self._cut_by_output_limit = ev.stop_reason == "max_output_tokens"
            self._count_usage(ev.usage, prompt)

    def _count_usage(self, usage: TokenUsage | None, prompt: Prompt) -> None:
        """Add a response's usage; a server that reports none gets a tokenizer estimate,
        labelled as such (``TokenCount.estimated``)."""
        estimated = usage is None
        if usage is None:
            from burro.models.usage import UsageEstimator, estimate_usage

            st = self.state
            if st.usage_estimator is None:
                st.usage_estimator = UsageEstimator()  # one per session: items counted once
            usage = estimate_usage(prompt, self._sample_items, estimator=st.usage_estimator)
        self.usage = self.usage.plus(usage)
        st = self.state
        st.note_usage(usage.total_tokens or usage.input_tokens + usage.output_tokens)
        st.usage = st.usage.plus(usage)
        self._emit(
            TokenCount(
                turn_id=self.turn_id,
                last=usage,
                turn_total=self.usage,
                session_total=st.usage,
                model_context_window=st.settings.context_window,
                estimated=estimated,
            )
        )

    async def _drain(self, runtime: ToolRuntime) -> None:
        """Record outputs in call order (whatever order the tools finished in)."""
        for call, task, _ in runtime.calls:
            out = await task
            self.state.record(out)
            self._recorded.add(call.call_id)

    # -- interrupt -----------------------------------------------------------------------
    async def stop_tools(self) -> None:
        """Kill whatever this turn still runs (the boundary calls it after a failure)."""
        if self._runtime is not None:
            await self._runtime.cancel_all()

    async def _abort(self) -> None:
        runtime = self._runtime
        if runtime is not None:
            await runtime.cancel_all()
            for call, task, started in runtime.calls:
                if call.call_id in self._recorded:
                    continue
                out = None
                if task.done() and not task.cancelled() and task.exception() is None:
                    out = task.result()
                self.state.record(out or aborted_output(call, elapsed_s=time.monotonic() - started))
                self._recorded.add(call.call_id)
        self.keep_input()
        self.state.record(
            Message(role="user", content=[TextPart(text=data_text("turn_aborted.md").strip())])
        )
        self._emit(TurnAborted(turn_id=self.turn_id, reason="interrupted"))

    def keep_input(self) -> None:
        """As the turn ends: accepted input joins the history, so the next turn sees it.
        Never raises: when the session file cannot take it, it stays in memory (and the
        file's writer keeps the line queued)."""
        with contextlib.suppress(BurroError):
            self.drain_input()

    def drain_input(self) -> None:
        """Queued user input joins the history (and the transcript) in arrival order."""
        st = self.state
        while st.pending_input:
            msg = st.pending_input.pop(0)
            st.record(msg)
            self._emit_user(msg)

    def _emit_user(self, msg: Message) -> None:
        self._emit(UserMessageEvent(turn_id=self.turn_id, text=msg.text(), client_id=msg.client_id))

    def _emit(self, event: Any) -> None:
        self.state.emit(event)
