"""The ``Review`` op: a one-shot child session with the review instructions, read-only
tools, a read-only sandbox and approval ``never``, asked for the Codex reviewer JSON as
structured output. Its answer becomes typed findings confined to the lines of the change,
emitted in the parent's event stream and recorded in the parent's history."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from burro.config import Settings
from burro.core.context import data_text
from burro.core.review_diff import confine, parse_diff
from burro.core.review_guidelines import review_guidelines
from burro.core.review_parse import parse_review
from burro.core.review_targets import check_target, describe, target_diff, user_prompt
from burro.core.state import SessionOptions, SessionState
from burro.models import ModelClient
from burro.protocol.common import ErrorCode, TokenUsage
from burro.protocol.errors import BurroError
from burro.protocol.events import (
    EnteredReviewMode,
    Event,
    EventEnvelope,
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    ExitedReviewMode,
    ReasoningDeltaEvent,
    ReasoningEvent,
    StreamRetry,
    ToolCallBegin,
    ToolCallEnd,
    TurnAborted,
    TurnComplete,
    TurnStarted,
    Warning,
)
from burro.protocol.items import Message, TextPart
from burro.protocol.model import Prompt, StreamEvent
from burro.protocol.ops import Review, UserTurn
from burro.protocol.review import Custom, DiffScope, ReviewOutput, ReviewTarget, Verdict

# Tools that write or show images have no place in a review; the sandbox is read-only too.
_WRITING_TOOLS = frozenset({"apply_patch", "update_plan", "view_image"})
# What the parent's readers see of the reviewer's work (its answer is the typed output).
_FORWARDED = (
    ExecCommandBegin,
    ExecCommandOutputDelta,
    ExecCommandEnd,
    ToolCallBegin,
    ToolCallEnd,
    ReasoningDeltaEvent,
    ReasoningEvent,
    StreamRetry,
    Warning,
)
NOTHING_TO_REVIEW = "There are no changes to review."


class ReviewFailed(BurroError):
    """The review session ended without an answer (the model failed, or it was stopped)."""

    def __init__(self, message: str, *, code: ErrorCode = "core", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(kw_only=True)
class ReviewResult:
    output: ReviewOutput
    scope: DiffScope
    answer: str = ""
    usage: TokenUsage = dataclasses.field(default_factory=TokenUsage)


class _Borrowed:
    """The parent's model client lent to the child: the child's shutdown leaves it open."""

    def __init__(self, client: ModelClient) -> None:
        self._client = client

    def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]:
        return self._client.stream(prompt)

    async def aclose(self) -> None:
        return None


def review_settings(settings: Settings) -> Settings:
    """The reviewer may look, never touch: read-only sandbox, never asks."""
    return msgspec.structs.replace(settings, sandbox_mode="read-only", approval_policy="never")


def review_tools(settings: Settings) -> list[str]:
    return [t for t in settings.model_info.tools if t not in _WRITING_TOOLS]


def output_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(data_text("review_output_schema.json"))
    return schema


def repo_root(cwd: Path) -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=10,
        check=False,
    )
    return Path(out.stdout.strip()).resolve() if out.returncode == 0 else cwd.resolve()


def change_under_review(target: ReviewTarget, cwd: Path) -> str:
    """The diff ``target`` covers ("" for free-form instructions); ReviewTargetError for
    a target that cannot be reviewed. Cheap: lets a caller say "nothing to review" (or
    refuse a bad target) before any model is configured."""
    check_target(target)
    return target_diff(target, cwd)


def nothing_to_review() -> ReviewOutput:
    verdict = Verdict(correct=True, explanation=NOTHING_TO_REVIEW, confidence=1.0)
    return ReviewOutput(findings=[], verdict=verdict)


async def review(
    settings: Settings,
    target: ReviewTarget,
    *,
    focus: str = "",
    env: Mapping[str, str] | None = None,
    client: ModelClient | None = None,
    on_event: Callable[[EventEnvelope], None] | None = None,
) -> ReviewResult:
    """Review ``target`` in ``settings.cwd`` in a child session. Raises ReviewTargetError
    for a target that does not exist, ReviewFailed when the child fails, ReviewParseError
    for an answer that is not a review."""
    from burro.core.task import run_task

    cwd = settings.cwd
    root, diff = await asyncio.to_thread(lambda: (repo_root(cwd), change_under_review(target, cwd)))
    scope = parse_diff(diff)
    if not isinstance(target, Custom) and not diff.strip():
        return ReviewResult(output=nothing_to_review(), scope=scope)
    guidelines = await asyncio.to_thread(review_guidelines, cwd, root=root)
    prompt = user_prompt(target, cwd, focus=focus, guidelines=guidelines)
    child = review_settings(settings)
    result = await run_task(
        child,
        UserTurn(items=[TextPart(text=prompt)], output_schema=output_schema()),
        on_event=on_event,
        env=env,
        options=SessionOptions(ephemeral=True),
        client=client,
        instructions=data_text("review_prompt.md"),
        tools=review_tools(child),
    )
    if result.status != "completed":
        err = result.error
        message = err.message if err is not None else f"the review was {result.status}"
        raise ReviewFailed(
            f"the review did not finish: {message}",
            code=err.code if err is not None else "core",
            retryable=err.retryable if err is not None else result.status == "interrupted",
        )
    answer = result.last_message or ""
    output = parse_review(answer, root=root)
    if not isinstance(target, Custom):
        output = confine(output, scope)
    return ReviewResult(output=output, scope=scope, answer=answer, usage=result.usage)


def review_text(output: ReviewOutput) -> str:
    """The review as the conversation records it: the verdict, then numbered findings."""
    v = output.verdict
    lines = [
        f"Verdict: {'patch is correct' if v.correct else 'patch is incorrect'}"
        f" (confidence {v.confidence:.2f}). {v.explanation}".rstrip()
    ]
    numbered = [*output.findings, *output.outside]
    for n, f in enumerate(numbered, 1):
        where = f"{f.file}:{f.start}-{f.end}" if f.file else "(no location)"
        outside = " (outside the change)" if n > len(output.findings) else ""
        lines.append(f"{n}. {f.title} — {where}{outside}")
        lines.extend(f"   {line}" for line in f.body.splitlines())
    if not numbered:
        lines.append("No findings.")
    return "\n".join(lines)


async def run_review_turn(state: SessionState, *, turn_id: str, op: Review) -> None:
    """The review as a turn of ``state``'s session. Failures raise (the session turns
    them into TurnFailed); an interrupt ends it with ExitedReviewMode and TurnAborted."""
    emit = state.emit
    hint = describe(op.target)
    emit(TurnStarted(turn_id=turn_id, model_context_window=state.settings.context_window))
    emit(EnteredReviewMode(turn_id=turn_id, target=op.target, hint=hint, focus=op.focus))

    def forward(envelope: EventEnvelope) -> None:
        event: Event = envelope.event
        if isinstance(event, _FORWARDED):
            emit(msgspec.structs.replace(event, turn_id=turn_id))

    try:
        result = await review(
            state.settings,
            op.target,
            focus=op.focus,
            env=state.env,
            client=_Borrowed(state.client),
            on_event=forward,
        )
    except asyncio.CancelledError:
        emit(ExitedReviewMode(turn_id=turn_id))
        emit(TurnAborted(turn_id=turn_id, reason="interrupted"))
        return
    text = review_text(result.output)
    note = data_text("review_result.md").format(hint=hint, results=text)
    state.record(Message(role="user", content=[TextPart(text=note)]))
    state.record(Message(role="assistant", content=[TextPart(text=text)]))
    emit(ExitedReviewMode(turn_id=turn_id, output=result.output, scope=result.scope, text=text))
    emit(TurnComplete(turn_id=turn_id, last_agent_message=text, usage=result.usage))
