"""Ops: what a front end submits to a session."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from burro.protocol.common import ApprovalPolicy, ReasoningEffort, ReasoningSummary, SandboxMode
from burro.protocol.items import ContentPart
from burro.protocol.review import ReviewTarget

ReviewDecision = Literal["approved", "approved_for_session", "denied", "abort"]


class UserTurn(msgspec.Struct, tag_field="type", tag="user_turn", kw_only=True, omit_defaults=True):
    """User input. While a turn runs, it joins that turn; otherwise it starts one."""

    items: list[ContentPart]
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None
    output_schema: dict[str, Any] | None = None
    # The client's own id for this input: recorded with the user message and echoed in
    # its UserMessageEvent (live, and from the rollout after a resume).
    client_id: str | None = None


class SteerTurn(
    msgspec.Struct, tag_field="type", tag="steer_turn", kw_only=True, omit_defaults=True
):
    """User input for the turn in flight, given to the model at its next request in that
    turn. Refused (an Error event) when no turn runs, or when the running turn is not
    ``expected_turn_id``; ``SessionHandle.steer`` does the same and answers at once."""

    items: list[ContentPart]
    expected_turn_id: str | None = None


class OverrideTurnContext(
    msgspec.Struct, tag_field="type", tag="override_turn_context", kw_only=True, omit_defaults=True
):
    """Change settings for following turns (recorded in history, never rewriting it)."""

    model: str | None = None
    # With ``model``: the provider to switch to (else the model's own provider is found).
    provider: str | None = None
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None


class Review(msgspec.Struct, tag_field="type", tag="review", kw_only=True, omit_defaults=True):
    """Review ``target`` in a read-only child session; the findings join this session's
    history (so the conversation can go on: "fix finding 2"). Not while a turn runs."""

    target: ReviewTarget
    focus: str = ""


class Interrupt(msgspec.Struct, tag_field="type", tag="interrupt", kw_only=True):
    pass


class Compact(msgspec.Struct, tag_field="type", tag="compact", kw_only=True):
    pass


class ExecApproval(msgspec.Struct, tag_field="type", tag="exec_approval", kw_only=True):
    call_id: str
    decision: ReviewDecision


class PatchApproval(msgspec.Struct, tag_field="type", tag="patch_approval", kw_only=True):
    call_id: str
    decision: ReviewDecision


class Undo(msgspec.Struct, tag_field="type", tag="undo", kw_only=True):
    """Restore the workspace files to the snapshot taken before the last turn."""


class Shutdown(msgspec.Struct, tag_field="type", tag="shutdown", kw_only=True):
    pass


Op = (
    UserTurn
    | SteerTurn
    | OverrideTurnContext
    | Review
    | Interrupt
    | Compact
    | ExecApproval
    | PatchApproval
    | Undo
    | Shutdown
)
