"""The contract every layer speaks: typed data only, no I/O."""

from burro.protocol import events, items, model, ops, review
from burro.protocol.common import (
    ErrorInfo,
    FileChange,
    PlanStep,
    ReasoningEffort,
    ReasoningSummary,
    TokenUsage,
    WireApi,
)
from burro.protocol.tools import ToolSpec

__all__ = [
    "ErrorInfo",
    "FileChange",
    "PlanStep",
    "ReasoningEffort",
    "ReasoningSummary",
    "TokenUsage",
    "ToolSpec",
    "WireApi",
    "events",
    "items",
    "model",
    "ops",
    "review",
]
