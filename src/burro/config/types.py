"""Typed settings shared by every layer above config."""

from __future__ import annotations

from typing import Literal

import msgspec

from burro.protocol.common import ReasoningEffort, ReasoningSummary, WireApi


class ProviderInfo(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One entry of ``[model_providers.NAME]``."""

    name: str
    base_url: str
    wire_api: WireApi = "chat"
    env_key: str | None = None
    env_key_instructions: str | None = None
    http_headers: dict[str, str] = {}
    env_http_headers: dict[str, str] = {}
    query_params: dict[str, str] = {}
    request_max_retries: int = 4
    stream_max_retries: int = 5
    stream_idle_timeout_ms: int = 300_000
    # Base delay of the jittered exponential backoff between retries.
    retry_base_delay_ms: int = 200
    requires_api_key: bool = True


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
    # Built-in providers that serve this model natively (empty: any provider).
    providers: tuple[str, ...] = ()
    known: bool = True
