"""The HTTP API's request and response bodies (the OpenAPI document is built from these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskCreate(_Strict):
    prompt: str = Field(min_length=1, description="What the agent should do.")
    repo: str = Field(
        min_length=1, description="An absolute path on the workers' machine, or a git URL."
    )
    base: str | None = Field(None, description="Commit or ref to start from (default: HEAD).")
    local_diff: str | None = Field(
        None, description="A binary git diff against `base` applied before the first turn."
    )
    model: str | None = None
    provider: str | None = None
    effort: Effort | None = None
    sandbox: Literal["read-only", "workspace-write"] = "workspace-write"
    approval_policy: Literal["never", "on-request", "on-failure", "untrusted"] = "never"
    setup: str | None = Field(None, description="Environment setup script (bash).")
    attempts: int = Field(1, ge=1, le=8, description="Independent attempts (best-of-N).")
    config: list[str] = Field(default_factory=list, description="`-c key=value` overrides.")
    max_turns: int | None = Field(None, ge=1)
    session_rollout: list[str] | None = Field(
        None, description="Rollout lines of a local session to continue (`/cloud`)."
    )


class TaskCreated(BaseModel):
    id: str
    attempts: list[str]


class FollowUp(_Strict):
    text: str = Field(min_length=1)
    attempt: int | None = Field(None, ge=1, description="Only this attempt (default: all).")


class Accepted(BaseModel):
    ok: bool = True
    detail: str = ""


class ApprovalAnswer(_Strict):
    decision: Literal["approved", "approved_for_session", "denied", "abort"]
    attempt: int | None = Field(None, ge=1)


class Usage(BaseModel):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0


class AttemptView(BaseModel):
    k: int
    id: str
    status: str
    session_id: str | None
    model: str | None
    effort: str | None
    command: str | None = Field(description="The command running now.")
    output: str = Field(description="Its output so far (tail).")
    last_command: dict[str, Any] | None
    plan: list[dict[str, Any]]
    pending_approvals: list[dict[str, Any]]
    files_changed: list[str]
    usage: Usage
    wall_time_s: float | None
    last_message: str | None
    error: str | None
    worker: str | None


class TaskView(BaseModel):
    id: str
    status: str
    created_at: float
    prompt: str
    repo: str
    branch: str | None = None
    base_commit: str | None
    model: str | None
    effort: str | None
    attempts: list[AttemptView]
    usage: Usage
    wall_time_s: float


class TaskList(BaseModel):
    tasks: list[TaskView]


class ErrorBody(BaseModel):
    error: str


class SessionExport(BaseModel):
    session_id: str | None
    lines: list[str] = Field(description="The session's rollout, one JSON line each.")
