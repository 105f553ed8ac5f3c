"""Small shared value types: token usage, errors, plan steps, file changes."""

from __future__ import annotations

from typing import Literal

import msgspec

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
ReasoningSummary = Literal["auto", "concise", "detailed", "none"]
PlanStatus = Literal["pending", "in_progress", "completed"]
FileChangeKind = Literal["add", "delete", "update"]
WireApi = Literal["responses", "chat", "anthropic"]


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

    code: str
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
