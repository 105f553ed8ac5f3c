"""Running a review from outside a conversation (``burro review``, ``/review``, the GitHub
bot, the bench): a short-lived session that runs the core's ``Review`` op, the one review
loop, and hands back its typed result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from burro.protocol.common import ErrorInfo
from burro.protocol.events import ExitedReviewMode
from burro.protocol.ops import Review
from burro.protocol.review import Custom, DiffScope, ReviewOutput, ReviewTarget

if TYPE_CHECKING:
    from burro.config import Settings
    from burro.core.api import ModelClient, SessionHandle
    from burro.protocol.errors import BurroError
    from burro.protocol.events import EventEnvelope


@dataclass(kw_only=True)
class ReviewRun:
    """A finished review: the typed output, the lines of the change it covers, and the
    review as a conversation would record it."""

    target: ReviewTarget
    output: ReviewOutput
    scope: DiffScope
    text: str = ""
    session_id: str | None = None


def _error(info: ErrorInfo | None, status: str) -> BurroError:
    from burro.core.api import ReviewFailed, ReviewParseError, ReviewTargetError

    if info is None:
        return ReviewFailed(f"the review was {status}", retryable=status == "interrupted")
    if info.code == "malformed_response":
        return ReviewParseError(info.message)
    if info.code == "bad_request":
        return ReviewTargetError(info.message)
    return ReviewFailed(info.message, code=info.code, retryable=info.retryable)


async def run_review(
    settings: Settings,
    target: ReviewTarget,
    *,
    focus: str = "",
    env: Mapping[str, str] | None = None,
    client: ModelClient | None = None,
    on_event: Callable[[EventEnvelope], None] | None = None,
    on_start: Callable[[SessionHandle], None] | None = None,
) -> ReviewRun:
    """Review ``target`` in ``settings.cwd``. Raises ReviewTargetError for a target that
    does not exist, ReviewFailed when the review fails, ReviewParseError for an answer
    that is not a review."""
    import asyncio

    from burro.core.api import (
        SessionOptions,
        change_under_review,
        nothing_to_review,
        parse_diff,
        start_session,
    )

    # A bad target or an empty change is known before any model (or key) is needed.
    diff = await asyncio.to_thread(change_under_review, target, settings.cwd)
    if not isinstance(target, Custom) and not diff.strip():
        return ReviewRun(target=target, output=nothing_to_review(), scope=parse_diff(diff))
    handle = await start_session(
        settings, env=env, options=SessionOptions(ephemeral=True), client=client, tools=[]
    )
    if on_start is not None:
        on_start(handle)
    stream = handle.subscribe(after=handle.last_seq)
    handle.submit(Review(target=target, focus=focus))
    exited: ExitedReviewMode | None = None
    try:
        async for envelope in stream:
            if on_event is not None:
                on_event(envelope)
            if isinstance(envelope.event, ExitedReviewMode):
                exited = envelope.event
            result = handle.outcome(envelope.event)
            if result is not None:
                break
    finally:
        await handle.shutdown()
    if exited is None or exited.output is None or exited.scope is None:
        raise _error(result.error if result else None, result.status if result else "stopped")
    return ReviewRun(
        target=target,
        output=exited.output,
        scope=exited.scope,
        text=exited.text,
        session_id=handle.session_id,
    )
