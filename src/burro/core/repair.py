"""Keeping a restored history valid for every wire: each tool output follows its call,
and each call that is followed by a later user message has an output.

A session file with a damaged line in the middle can lose a call (its output is then an
orphan, which the Responses API rejects) or an output (the call is then unanswered, which
every wire rejects). Crash recovery already answers calls at the end of the history
(``reconstruct``); this module handles the ones in the middle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    Item,
    Message,
    ToolCallItem,
    ToolOutputItem,
)

LOST = (
    "lost: the result of this tool call could not be read back from the session file "
    "(a damaged line). It was not run again; check the workspace before relying on it."
)


@dataclass
class Repaired:
    history: list[Item]
    dropped_outputs: list[str] = field(default_factory=list)  # call ids
    lost_calls: list[str] = field(default_factory=list)  # call ids given a LOST output
    found_calls: list[str] = field(default_factory=list)  # answered from a tool_output line

    @property
    def changed(self) -> bool:
        return bool(self.dropped_outputs or self.lost_calls or self.found_calls)


def repair_pairing(history: list[Item], *, ready: Mapping[str, ToolOutputItem]) -> Repaired:
    """Drop outputs with no call before them (or answering a call a second time), and
    give calls with no output that are followed by a user or developer message an output
    just before that message: the finished result from ``ready`` when the session file
    has one, else :data:`LOST`. Calls at the end of the history are left unanswered for
    crash recovery. An intact history is returned unchanged (the same item objects)."""
    from burro.core.tool_runtime import output_item
    from burro.tools import ToolResult

    answered: set[str] = set()
    seen: set[str] = set()
    for item in history:
        if isinstance(item, FunctionCall | CustomToolCall):
            seen.add(item.call_id)
        elif isinstance(item, FunctionCallOutput | CustomToolCallOutput) and item.call_id in seen:
            answered.add(item.call_id)
    result = Repaired(history=[])
    out = result.history
    written: set[str] = set()
    waiting: list[ToolCallItem] = []  # calls that will never get an output
    for item in history:
        if isinstance(item, FunctionCall | CustomToolCall):
            out.append(item)
            if item.call_id not in answered:
                waiting.append(item)
        elif isinstance(item, FunctionCallOutput | CustomToolCallOutput):
            if item.call_id not in answered or item.call_id in written:
                result.dropped_outputs.append(item.call_id)
                continue
            written.add(item.call_id)
            out.append(item)
        else:
            if waiting and isinstance(item, Message) and item.role in ("user", "developer"):
                for call in waiting:
                    found = ready.get(call.call_id)
                    if found is not None:
                        out.append(found)
                        result.found_calls.append(call.call_id)
                    else:
                        out.append(output_item(call, ToolResult(output=LOST, success=False)))
                        result.lost_calls.append(call.call_id)
                waiting = []
            out.append(item)
    if not result.changed:
        result.history = history
    return result
