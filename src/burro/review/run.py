"""Running a review: a one-shot child session with the review instructions, read-only
tools, a read-only sandbox and approval ``never``; its answer parsed into findings and
confined to the lines of the change."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burro.protocol.errors import BurroError
from burro.protocol.items import TextPart
from burro.protocol.ops import UserTurn
from burro.review.diffscope import DiffScope, confine, parse_diff
from burro.review.findings import ReviewOutput, Verdict
from burro.review.guidelines import review_guidelines
from burro.review.parse import parse_review
from burro.review.targets import ReviewTarget, review_data, target_diff, user_prompt

if TYPE_CHECKING:
    from burro.config import Settings
    from burro.core.api import ModelClient, SessionHandle, TaskResult
    from burro.protocol.events import EventEnvelope

# Tools that write or show images have no place in a review; the sandbox is read-only too.
_WRITING_TOOLS = frozenset({"apply_patch", "update_plan", "view_image"})
NOTHING_TO_REVIEW = "There are no changes to review."


class ReviewFailed(BurroError):
    """The review session ended without an answer (the model failed, or it was stopped)."""

    def __init__(self, message: str, *, code: Any = "core", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(kw_only=True)
class ReviewRun:
    """A finished review: the typed output, the diff it covers, and the raw answer."""

    target: ReviewTarget
    output: ReviewOutput
    diff: str
    scope: DiffScope
    answer: str = ""
    session_id: str | None = None


def review_settings(settings: Settings) -> Settings:
    """The reviewer may look, never touch: read-only sandbox, never asks."""
    return dataclasses.replace(settings, sandbox_mode="read-only", approval_policy="never")


def review_tools(settings: Settings) -> list[str]:
    return [t for t in settings.model_info.tools if t not in _WRITING_TOOLS]


def output_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(review_data("review_output_schema.json"))
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


async def run_review(
    settings: Settings,
    target: ReviewTarget,
    *,
    focus: str = "",
    env: Mapping[str, str] | None = None,
    client: ModelClient | None = None,
    on_event: Callable[[EventEnvelope], None] | None = None,
    on_start: Callable[[SessionHandle], None] | None = None,
    ephemeral: bool = True,
) -> ReviewRun:
    """Review ``target`` in ``settings.cwd``. Raises ReviewTargetError for a target that
    does not exist, ReviewFailed when the session fails, ReviewParseError for an answer
    that is not a review."""
    from burro.core.api import SessionOptions, run_task

    cwd = settings.cwd
    root = repo_root(cwd)
    diff = target_diff(target, cwd)
    scope = parse_diff(diff)
    if not diff.strip():
        verdict = Verdict(correct=True, explanation=NOTHING_TO_REVIEW, confidence=1.0)
        return ReviewRun(
            target=target, output=ReviewOutput(findings=[], verdict=verdict), diff=diff, scope=scope
        )
    prompt = user_prompt(target, cwd, focus=focus, guidelines=review_guidelines(cwd, root=root))
    child = review_settings(settings)
    result: TaskResult = await run_task(
        child,
        UserTurn(items=[TextPart(text=prompt)], output_schema=output_schema()),
        on_event=on_event,
        on_start=on_start,
        env=env,
        options=SessionOptions(ephemeral=ephemeral),
        client=client,
        instructions=review_data("review_prompt.md"),
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
    output = confine(parse_review(answer, root=root), scope)
    return ReviewRun(
        target=target,
        output=output,
        diff=diff,
        scope=scope,
        answer=answer,
        session_id=result.session_id,
    )
