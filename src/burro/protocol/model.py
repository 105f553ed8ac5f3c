"""What the core sends to a model client, and what a client streams back."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from burro.protocol.common import ReasoningEffort, ReasoningSummary, TokenUsage
from burro.protocol.items import Item
from burro.protocol.tools import ToolSpec


class Prompt(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One model request, provider-neutral. ``items`` is the whole history (append-only)."""

    model: str
    instructions: str
    items: list[Item]
    tools: list[ToolSpec] = []
    parallel_tool_calls: bool = True
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None
    output_schema: dict[str, Any] | None = None
    cache_key: str | None = None
    max_output_tokens: int | None = None


class ItemStarted(msgspec.Struct, tag_field="type", tag="item_started", kw_only=True):
    """A message or reasoning item began; its deltas carry the same ``item_id``."""

    item_id: str
    kind: Literal["message", "reasoning", "tool_call"]


class TextDelta(msgspec.Struct, tag_field="type", tag="text_delta", kw_only=True):
    item_id: str
    delta: str


class ReasoningDelta(msgspec.Struct, tag_field="type", tag="reasoning_delta", kw_only=True):
    item_id: str
    delta: str


class ItemDone(msgspec.Struct, tag_field="type", tag="item_done", kw_only=True):
    """A complete conversation item (message, reasoning or tool call)."""

    item_id: str
    item: Item


class Completed(msgspec.Struct, tag_field="type", tag="completed", kw_only=True):
    response_id: str = ""
    usage: TokenUsage | None = None


StreamEvent = ItemStarted | TextDelta | ReasoningDelta | ItemDone | Completed
