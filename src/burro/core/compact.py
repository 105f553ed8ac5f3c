"""Compaction: the model writes a hand-off summary; the history becomes the initial
context (AGENTS.md, environment), the user's messages (the first one always, then the
most recent ones within a budget) and the summary. Recorded in the rollout so resume
reproduces the compacted history exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from burro.core.context import data_text, is_real_user_message
from burro.core.rollout import Compacted
from burro.core.tokens import exact_tokens
from burro.protocol.items import Item, Message, TextPart, user_text
from burro.protocol.model import Completed, ItemDone, Prompt

if TYPE_CHECKING:
    from burro.core.state import SessionState

USER_MESSAGE_BUDGET = 20_000  # tokens of earlier user messages kept after compaction
_MAX_TRIM = 64


async def summarize(state: SessionState, *, effort_prompt: Prompt) -> str:
    """Ask the model for a hand-off summary of the current history (no tools)."""
    from burro.models import ModelError

    items: list[Item] = list(state.history)
    request = user_text(data_text("compact_prompt.md").strip())
    for _ in range(_MAX_TRIM):
        prompt = Prompt(
            model=effort_prompt.model,
            instructions=effort_prompt.instructions,
            items=[*items, request],
            tools=[],
            parallel_tool_calls=False,
            effort=effort_prompt.effort,
            cache_key=effort_prompt.cache_key,
            max_output_tokens=effort_prompt.max_output_tokens,
        )
        try:
            text = ""
            async for ev in state.client.stream(prompt):
                if isinstance(ev, ItemDone) and isinstance(ev.item, Message):
                    text = ev.item.text() or text
                elif isinstance(ev, Completed):
                    break
            return text.strip()
        except ModelError as exc:
            # The history is itself too large for the model: drop the oldest
            # non-context item and ask again.
            if exc.code != "context_window_exceeded" or len(items) <= state.context_items + 1:
                raise
            del items[state.context_items]
    return ""


def replacement_history(state: SessionState, summary: str) -> list[Item]:
    history = state.history
    context = history[: state.context_items]
    users = [m for m in history[state.context_items :] if is_real_user_message(m)]
    kept: list[Item] = []
    if users:
        first, rest = users[0], users[1:]
        budget = USER_MESSAGE_BUDGET - exact_tokens([first])
        recent: list[Item] = []
        for msg in reversed(rest):
            cost = exact_tokens([msg])
            if cost > budget:
                break
            recent.append(msg)
            budget -= cost
        kept = [first, *reversed(recent)]
    prefix = data_text("summary_prefix.md").strip()
    summary_msg = Message(
        role="user", content=[TextPart(text=f"{prefix}\n\n{summary}\n</handoff_summary>")]
    )
    return [*context, *kept, summary_msg]


def apply_compaction(state: SessionState, *, summary: str, tokens_before: int) -> list[Item]:
    new = replacement_history(state, summary)
    state.history = list(new)
    state.reset_token_baseline()
    if state.rollout is not None:
        state.rollout.compacted(
            Compacted(summary=summary, replacement=new, tokens_before=tokens_before)
        )
    return new
