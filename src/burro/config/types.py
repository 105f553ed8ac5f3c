"""Typed settings shared by every layer above config."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from burro.protocol.common import ReasoningEffort, ReasoningSummary, WireApi

# Counts and durations in config: a negative value is rejected with a one-line error
# naming the key (msgspec checks these bounds when config is converted).
Count = Annotated[int, msgspec.Meta(ge=0)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
ToolCalling = Literal["native", "text"]


class ProviderInfo(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One entry of ``[model_providers.NAME]``.

    Retries: ``request_max_retries`` covers a request that fails before its response
    stream begins (connection refused, HTTP 429/5xx); ``stream_max_retries`` covers a
    stream that breaks after it began. ``tool_calling = "text"`` describes the tools in
    the instructions and parses calls from the reply, for servers and models without
    native tool calls (None: the model table decides, default native).
    """

    name: str
    base_url: str
    wire_api: WireApi = "chat"
    env_key: str | None = None
    env_key_instructions: str | None = None
    http_headers: dict[str, str] = {}
    env_http_headers: dict[str, str] = {}
    query_params: dict[str, str] = {}
    request_max_retries: Count = 4
    stream_max_retries: Count = 5
    stream_idle_timeout_ms: Positive = 300_000
    # Base delay of the jittered exponential backoff between retries.
    retry_base_delay_ms: Count = 200
    requires_api_key: bool = True
    tool_calling: ToolCalling | None = None


ApplyPatchKind = Literal["freeform", "function"]


class ModelInfo(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """What burro knows about a model (from ``config/data/models.toml``)."""

    slug: str
    context_window: int = 128_000
    supports_reasoning: bool = False
    supports_reasoning_summaries: bool = False
    default_reasoning_effort: ReasoningEffort | None = None
    default_reasoning_summary: ReasoningSummary | None = None
    supports_images: bool = False
    supports_parallel_tool_calls: bool = True
    apply_patch_tool: ApplyPatchKind = "function"
    # Tools offered, in this order (names from the tool registry).
    tools: tuple[str, ...] = (
        "shell",
        "update_plan",
        "apply_patch",
        "read_file",
        "list_dir",
        "grep_files",
        "view_image",
    )
    # Model-facing cap on one tool output, in bytes.
    tool_output_bytes: int = 10_000
    max_output_tokens: int | None = None
    tool_calling: ToolCalling = "native"
    # Built-in providers that serve this model natively (empty: any provider).
    providers: tuple[str, ...] = ()
    known: bool = True
