"""Events: what a session emits. Every front end renders these and nothing else."""

from __future__ import annotations

from typing import Literal

import msgspec

from burro.protocol.common import (
    ApprovalPolicy,
    ErrorInfo,
    FileChange,
    PlanStep,
    SandboxMode,
    TokenUsage,
)
from burro.protocol.review import DiffScope, ReviewOutput, ReviewTarget


class _Ev(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """Base of every event: tagged by ``type``."""


class SessionConfigured(_Ev, tag="session_configured"):
    session_id: str
    model: str
    provider: str
    cwd: str
    reasoning_effort: str | None = None
    rollout_path: str | None = None
    history_items: int = 0
    resumed: bool = False
    forked_from: str | None = None
    sandbox_mode: SandboxMode | None = None
    approval_policy: ApprovalPolicy | None = None
    model_context_window: int | None = None


class TurnContext(_Ev, tag="turn_context"):
    """The settings in effect: emitted after SessionConfigured and after every change,
    so a front end shows what the engine really uses (never what it asked for)."""

    model: str
    provider: str
    wire_api: str
    model_context_window: int
    sandbox_mode: SandboxMode
    approval_policy: ApprovalPolicy
    network_access: bool = False
    reasoning_effort: str | None = None
    reasoning_summary: str | None = None
    tools: list[str] = []


class TurnStarted(_Ev, tag="turn_started"):
    turn_id: str
    model_context_window: int | None = None


class TurnComplete(_Ev, tag="turn_complete"):
    turn_id: str
    last_agent_message: str | None = None
    usage: TokenUsage = TokenUsage()


class TurnAborted(_Ev, tag="turn_aborted"):
    turn_id: str
    reason: Literal["interrupted", "replaced", "budget"] = "interrupted"


class TurnFailed(_Ev, tag="turn_failed"):
    turn_id: str
    error: ErrorInfo
    usage: TokenUsage = TokenUsage()


class UserMessageEvent(_Ev, tag="user_message"):
    turn_id: str
    text: str
    client_id: str | None = None  # the UserTurn's client_id, when the client gave one


class AgentMessageDelta(_Ev, tag="agent_message_delta"):
    turn_id: str
    item_id: str
    delta: str


class AgentMessage(_Ev, tag="agent_message"):
    turn_id: str
    item_id: str
    text: str


class ReasoningDeltaEvent(_Ev, tag="reasoning_delta"):
    turn_id: str
    item_id: str
    delta: str


class ReasoningEvent(_Ev, tag="reasoning"):
    turn_id: str
    item_id: str
    text: str


class ExecCommandBegin(_Ev, tag="exec_command_begin"):
    turn_id: str
    call_id: str
    command: str
    cwd: str


class ExecCommandOutputDelta(_Ev, tag="exec_command_output_delta"):
    turn_id: str
    call_id: str
    stream: Literal["stdout", "stderr"]
    chunk: str


class ExecCommandEnd(_Ev, tag="exec_command_end"):
    """``aggregated_output`` is the command's whole output (what the model got may be capped)."""

    turn_id: str
    call_id: str
    command: str
    exit_code: int | None
    duration_ms: int
    aggregated_output: str
    status: Literal["completed", "failed", "declined", "timed_out", "aborted"] = "completed"


class PatchApplyBegin(_Ev, tag="patch_apply_begin"):
    turn_id: str
    call_id: str
    changes: list[FileChange]
    auto_approved: bool = True


class PatchApplyEnd(_Ev, tag="patch_apply_end"):
    turn_id: str
    call_id: str
    success: bool
    changes: list[FileChange]
    stdout: str = ""
    stderr: str = ""


class PlanUpdate(_Ev, tag="plan_update"):
    turn_id: str
    call_id: str
    plan: list[PlanStep]
    explanation: str | None = None


class ToolCallBegin(_Ev, tag="tool_call_begin"):
    """Any other tool (read_file, grep_files, list_dir, view_image, MCP...)."""

    turn_id: str
    call_id: str
    tool: str
    arguments: str
    # MCP tools: the server and the tool's own name (``tool`` is ``mcp__<server>__<tool>``).
    mcp_server: str | None = None
    mcp_tool: str | None = None


class ToolCallEnd(_Ev, tag="tool_call_end"):
    turn_id: str
    call_id: str
    tool: str
    output: str
    success: bool = True
    duration_ms: int = 0
    mcp_server: str | None = None
    mcp_tool: str | None = None


class TokenCount(_Ev, tag="token_count"):
    turn_id: str
    last: TokenUsage
    turn_total: TokenUsage
    session_total: TokenUsage
    model_context_window: int | None = None
    # The server reported no usage: ``last`` is a tokenizer estimate.
    estimated: bool = False


class StreamRetry(_Ev, tag="stream_retry"):
    """The model stream failed and is being retried."""

    turn_id: str
    attempt: int
    max_attempts: int
    delay_s: float
    message: str


class Warning(_Ev, tag="warning"):
    message: str
    turn_id: str | None = None


class Error(_Ev, tag="error"):
    error: ErrorInfo
    turn_id: str | None = None


class ContextCompacted(_Ev, tag="context_compacted"):
    """History was replaced by a hand-off summary (automatic or on request)."""

    turn_id: str
    tokens_before: int
    items_before: int
    items_after: int
    automatic: bool = True


class CompletionNudge(_Ev, tag="completion_nudge"):
    """The model ended its turn with plan steps open; burro asked it to continue."""

    turn_id: str
    open_steps: list[str]
    attempt: int
    max_attempts: int


class ExecApprovalRequest(_Ev, tag="exec_approval_request"):
    """A command needs the user's decision (answer with an ExecApproval op)."""

    turn_id: str
    call_id: str
    command: str
    cwd: str
    reason: str
    # "approved_for_session" remembers this command prefix for the rest of the session.
    prefix: list[str] = []
    # True when the command already failed inside the sandbox and would rerun outside it.
    retry_unsandboxed: bool = False


class PatchApprovalRequest(_Ev, tag="patch_approval_request"):
    """A patch needs the user's decision (answer with a PatchApproval op)."""

    turn_id: str
    call_id: str
    changes: list[FileChange]
    reason: str


class EnteredReviewMode(_Ev, tag="entered_review_mode"):
    """A review turn began: a read-only child session reviews ``target``; its commands and
    tool calls follow under this turn id."""

    turn_id: str
    target: ReviewTarget
    hint: str
    focus: str = ""


class ExitedReviewMode(_Ev, tag="exited_review_mode"):
    """The review ended. ``output`` is None when it failed or was interrupted (the turn's
    TurnFailed/TurnAborted says why); ``scope`` holds the lines the change covers and
    ``text`` the review as recorded in the conversation."""

    turn_id: str
    output: ReviewOutput | None = None
    scope: DiffScope | None = None
    text: str = ""


class UndoComplete(_Ev, tag="undo_complete"):
    success: bool
    message: str
    restored: list[str] = []


class ShutdownComplete(_Ev, tag="shutdown_complete"):
    pass


Event = (
    SessionConfigured
    | TurnContext
    | TurnStarted
    | TurnComplete
    | TurnAborted
    | TurnFailed
    | UserMessageEvent
    | AgentMessageDelta
    | AgentMessage
    | ReasoningDeltaEvent
    | ReasoningEvent
    | ExecCommandBegin
    | ExecCommandOutputDelta
    | ExecCommandEnd
    | PatchApplyBegin
    | PatchApplyEnd
    | PlanUpdate
    | ToolCallBegin
    | ToolCallEnd
    | TokenCount
    | StreamRetry
    | Warning
    | Error
    | ContextCompacted
    | CompletionNudge
    | ExecApprovalRequest
    | PatchApprovalRequest
    | EnteredReviewMode
    | ExitedReviewMode
    | UndoComplete
    | ShutdownComplete
)


class EventEnvelope(msgspec.Struct, kw_only=True):
    """An event as subscribers receive it: which session, and its place in the stream.
    ``seq`` starts at 1 and grows by one per event for the whole life of the session
    (resumes continue the numbering), so a reader resumes with ``subscribe(after=seq)``."""

    session_id: str
    seq: int
    event: Event
