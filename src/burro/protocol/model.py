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


StopReason = Literal["end_turn", "tool_calls", "max_output_tokens", "content_filter", "other"]


class Completed(msgspec.Struct, tag_field="type", tag="completed", kw_only=True):
    """The response ended normally.

    - ``usage`` is None when the server reported no usage (never zeros in its place).
    - ``stop_reason`` is None when the wire did not say; ``"max_output_tokens"`` means the
      output limit cut the answer: the items streamed so far are the partial answer.
    - ``empty`` is True when the response has neither assistant text nor a tool call
      (reasoning alone counts as empty).
    """

    response_id: str = ""
    usage: TokenUsage | None = None
    stop_reason: StopReason | None = None
    empty: bool = False


StreamEvent = ItemStarted | TextDelta | ReasoningDelta | ItemDone | Completed


class ServerModel(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A model a server says it serves (``GET /v1/models``, llama.cpp ``/props``).

    ``context_window`` is the size the server runs with when it says so (llama.cpp
    ``n_ctx``, vLLM ``max_model_len``, LM Studio ``loaded_context_length``), else the
    size the model was trained with (``n_ctx_train``), else None; ``context_source``
    names the field it came from."""

    id: str
    context_window: int | None = None
    context_source: str | None = None
    owned_by: str | None = None
