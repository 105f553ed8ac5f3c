"""Running a compaction inside a turn (automatic) or as its own task (on request)."""

from __future__ import annotations

from burro.core.compact import apply_compaction, summarize
from burro.core.state import SessionState
from burro.protocol.events import ContextCompacted, Warning
from burro.protocol.model import Prompt


async def run_compaction(
    state: SessionState, *, turn_id: str, prompt: Prompt, tokens: int, automatic: bool
) -> None:
    from burro.models import ModelError

    before = len(state.history)
    try:
        summary = await summarize(state, effort_prompt=prompt)
    except ModelError as exc:
        state.emit(
            Warning(message=f"compaction failed ({exc}); continuing without it", turn_id=turn_id)
        )
        return
    if not summary:
        state.emit(Warning(message="compaction produced no summary; history kept", turn_id=turn_id))
        return
    new = apply_compaction(state, summary=summary, tokens_before=tokens)
    state.emit(
        ContextCompacted(
            turn_id=turn_id,
            tokens_before=tokens,
            items_before=before,
            items_after=len(new),
            automatic=automatic,
        )
    )
