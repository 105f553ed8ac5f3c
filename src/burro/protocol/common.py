"""Small shared value types: token usage, errors, plan steps, file changes."""

from __future__ import annotations

from typing import Literal

import msgspec

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
ReasoningSummary = Literal["auto", "concise", "detailed", "none"]
PlanStatus = Literal["pending", "in_progress", "completed"]
FileChangeKind = Literal["add", "delete", "update"]
WireApi = Literal["responses", "chat", "anthropic"]
SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]
ApprovalPolicy = Literal["untrusted", "on-failure", "on-request", "never"]
# [shell_environment_policy] inherit: which variables commands start from.
EnvInherit = Literal["all", "core", "none"]
ErrorCode = Literal[
    # session and engine
    "core",
    "internal",
    "budget_exceeded",
    "session_not_found",
    "session_locked",
    "rollout_unreadable",
    "rollout_write_failed",
    "model_switch_refused",
    "empty_response",
    "no_active_turn",
    "turn_mismatch",
    "turn_not_steerable",
    # configuration
    "config",
    # sandbox
    "sandbox",
    "sandbox_unavailable",
    # tools
    "tool",
    "tool_config",
    "mcp_startup",
    "patch_error",
    "patch_parse_error",
    "patch_apply_error",
    # model providers
    "rate_limited",
    "server_error",
    "connection",
    "stream_cut",
    "empty_stream",
    "idle_timeout",
    "malformed_response",
    "bad_request",
    "unauthorized",
    "context_window_exceeded",
    "quota_exceeded",
    "not_found",
]


class TokenUsage(msgspec.Struct, kw_only=True, frozen=True):
    """Token counts as reported by a provider (zeros where a wire does not report them)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0

    def plus(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_output_tokens=self.reasoning_output_tokens + other.reasoning_output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class ErrorInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A classified error, safe to show to a user and to send over any front end."""

    code: ErrorCode
    message: str
    retryable: bool = False


class PlanStep(msgspec.Struct, kw_only=True):
    step: str
    status: PlanStatus


class FileChange(msgspec.Struct, kw_only=True, omit_defaults=True):
    path: str
    kind: FileChangeKind
    move_path: str | None = None
    unified_diff: str = ""
