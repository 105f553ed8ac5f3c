"""Rebuilding a session's exact history from its rollout (resume and fork)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from burro.core.errors import RolloutError
from burro.core.rollout import (
    CompactedLine,
    EventLine,
    ItemLine,
    MetaLine,
    SessionMeta,
    ToolOutputLine,
    decode_lines,
    read_lines,
)
from burro.core.store import RolloutStore
from burro.core.tool_runtime import output_item
from burro.protocol.common import PlanStep, TokenUsage
from burro.protocol.events import (
    PlanUpdate,
    TokenCount,
    TurnAborted,
    TurnComplete,
    TurnFailed,
    TurnStarted,
)
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    Item,
    ToolCallItem,
)
from burro.tools import ToolResult

INTERRUPTED = (
    "interrupted: burro stopped before this tool call finished, so its result is unknown. "
    "It was not run again; check the workspace before relying on it."
)


@dataclass
class Restored:
    meta: SessionMeta
    history: list[Item]
    # Outputs burro must append (and persist) before continuing: results that finished
    # but had not joined the history yet, and "interrupted" for calls that never finished.
    recovered: list[Item] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    plan: list[PlanStep] = field(default_factory=list)
    context_items: int = 0
    # The last event sequence number written (numbering continues after it).
    last_seq: int = 0
    # The last turn started but never ended (burro stopped mid-turn).
    pending_turn: bool = False


def restore(source: Path | RolloutStore) -> Restored:
    meta: SessionMeta | None = None
    history: list[Item] = []
    open_calls: dict[str, ToolCallItem] = {}
    ready: dict[str, Item] = {}
    usage = TokenUsage()
    plan: list[PlanStep] = []
    last_seq = 0
    pending_turn = False
    where = source if isinstance(source, Path) else source.location
    try:
        lines = list(
            read_lines(source) if isinstance(source, Path) else decode_lines(source.read())
        )
    except OSError as exc:
        raise RolloutError(f"cannot read session file {where}: {exc.strerror}") from exc
    for line in lines:
        if isinstance(line, ItemLine):
            item = line.payload
            history.append(item)
            if isinstance(item, FunctionCall | CustomToolCall):
                open_calls[item.call_id] = item
            elif isinstance(item, FunctionCallOutput | CustomToolCallOutput):
                open_calls.pop(item.call_id, None)
                ready.pop(item.call_id, None)
        elif isinstance(line, ToolOutputLine):
            ready[line.payload.call_id] = line.payload
        elif isinstance(line, CompactedLine):
            history = list(line.payload.replacement)
            open_calls.clear()
            ready.clear()
        elif isinstance(line, EventLine):
            ev = line.payload
            last_seq = max(last_seq, line.seq)
            if isinstance(ev, TurnStarted):
                pending_turn = True
            elif isinstance(ev, TurnComplete | TurnAborted | TurnFailed):
                pending_turn = False
            if isinstance(ev, TokenCount):
                usage = ev.session_total
            elif isinstance(ev, PlanUpdate):
                plan = list(ev.plan)
        elif isinstance(line, MetaLine) and meta is None:
            meta = line.payload
    if meta is None:
        raise RolloutError(f"{where} is not a burro session file (no session meta line)")
    recovered: list[Item] = []
    for call_id, call in open_calls.items():
        out = ready.get(call_id)
        recovered.append(
            out
            if out is not None
            else output_item(call, ToolResult(output=INTERRUPTED, success=False))
        )
    return Restored(
        meta=meta,
        history=history,
        recovered=recovered,
        usage=usage,
        plan=plan,
        context_items=_context_len(history),
        last_seq=last_seq,
        pending_turn=pending_turn,
    )


def _context_len(history: list[Item]) -> int:
    """How many leading items are the initial context (developer + AGENTS/environment)."""
    from burro.core.context import is_context_message

    n = 0
    for item in history:
        if not is_context_message(item):
            break
        n += 1
    return n
