"""Rebuilding a session's exact history from its rollout (resume and fork)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from burro.core.errors import RolloutError
from burro.core.repair import Repaired, repair_pairing
from burro.core.rollout import (
    CompactedLine,
    EventLine,
    ItemLine,
    MetaLine,
    PendingInputLine,
    SessionMeta,
    ToolOutputLine,
    decode_lines,
    read_raw,
)
from burro.core.store import RolloutStore
from burro.core.tool_runtime import output_item
from burro.protocol.common import PlanStep, TokenUsage
from burro.protocol.events import (
    PlanUpdate,
    ShutdownComplete,
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
    Message,
    ToolOutputItem,
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
    # The previous run ended with a clean shutdown (else events after ``last_seq`` that
    # were never persisted, such as deltas, may have been seen by readers).
    clean_end: bool = False
    # The last turn started but never ended (burro stopped mid-turn).
    pending_turn: bool = False
    # User input accepted for the running turn that had not joined the history yet.
    pending_input: list[Message] = field(default_factory=list)
    # Problems found and repaired while reading (damaged lines, unpaired tool outputs):
    # one line each, for the session to show as Warning events.
    warnings: list[str] = field(default_factory=list)


def restore(source: Path | RolloutStore) -> Restored:
    meta: SessionMeta | None = None
    history: list[Item] = []
    ready: dict[str, ToolOutputItem] = {}
    usage = TokenUsage()
    plan: list[PlanStep] = []
    last_seq = 0
    clean_end = False
    pending_turn = False
    damaged: list[int] = []
    where = source if isinstance(source, Path) else source.location
    try:
        raw = read_raw(source) if isinstance(source, Path) else source.read()
        lines = list(decode_lines(raw, damaged=damaged))
    except OSError as exc:
        raise RolloutError(f"cannot read session file {where}: {exc.strerror}") from exc
    pending_input: list[Message] = []
    for line in lines:
        if isinstance(line, ItemLine):
            history.append(line.payload)
            if pending_input and line.payload == pending_input[0]:
                pending_input.pop(0)  # the input joined the history
        elif isinstance(line, PendingInputLine):
            pending_input.append(line.payload)
        elif isinstance(line, ToolOutputLine):
            ready[line.payload.call_id] = line.payload
        elif isinstance(line, CompactedLine):
            history = list(line.payload.replacement)
            ready.clear()
        elif isinstance(line, EventLine):
            ev = line.payload
            last_seq = max(last_seq, line.seq)
            clean_end = isinstance(ev, ShutdownComplete)
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
    # A damaged line in the middle can unpair calls and outputs; calls still open at the
    # end are crash recovery: their finished result, or "interrupted".
    repaired = repair_pairing(history, ready=ready)
    history = repaired.history
    answered = {
        i.call_id for i in history if isinstance(i, FunctionCallOutput | CustomToolCallOutput)
    }
    recovered: list[Item] = []
    for item in history:
        if isinstance(item, FunctionCall | CustomToolCall) and item.call_id not in answered:
            out = ready.get(item.call_id)
            recovered.append(
                out
                if out is not None
                else output_item(item, ToolResult(output=INTERRUPTED, success=False))
            )
    return Restored(
        meta=meta,
        history=history,
        recovered=recovered,
        usage=usage,
        plan=plan,
        context_items=_context_len(history),
        last_seq=last_seq,
        clean_end=clean_end,
        pending_turn=pending_turn,
        pending_input=pending_input,
        warnings=_warnings(where, damaged, repaired),
    )


def _warnings(where: object, damaged: list[int], repaired: Repaired) -> list[str]:
    if not damaged and not repaired.changed:
        return []
    parts: list[str] = []
    if damaged:
        shown = ", ".join(str(n) for n in damaged[:5]) + (", ..." if len(damaged) > 5 else "")
        parts.append(f"{len(damaged)} damaged line(s) skipped (line {shown})")
    if repaired.dropped_outputs:
        parts.append(f"{len(repaired.dropped_outputs)} tool output(s) without their call dropped")
    if repaired.lost_calls:
        parts.append(f"{len(repaired.lost_calls)} tool call(s) without their output marked lost")
    if repaired.found_calls:
        parts.append(f"{len(repaired.found_calls)} tool output(s) recovered")
    return [f"session file {where}: " + "; ".join(parts) + "; the rest of the history is intact"]


def _context_len(history: list[Item]) -> int:
    """How many leading items are the initial context (developer + AGENTS/environment)."""
    from burro.core.context import is_context_message

    n = 0
    for item in history:
        if not is_context_message(item):
            break
        n += 1
    return n
