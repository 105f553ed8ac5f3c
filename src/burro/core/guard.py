"""The gate in front of commands and patches: sandbox choice, approvals, refusals."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from burro.core.errors import AbortTurn
from burro.protocol.common import FileChange
from burro.sandbox import NoSandbox, Sandbox, assess, offer_unsandboxed_retry
from burro.tools import CallApproval

if TYPE_CHECKING:
    from burro.core.state import SessionState


class Verdict(msgspec.Struct):
    run: bool
    sandbox: Sandbox
    message: str = ""  # why it did not run (goes to the model)


def display(command: str | list[str]) -> str:
    import shlex

    return command if isinstance(command, str) else shlex.join(command)


async def gate_command(
    state: SessionState, *, turn_id: str, call_id: str, command: str | list[str], cwd: Path
) -> Verdict:
    a = assess(
        command,
        approval_policy=state.approval_policy,
        sandbox_mode=state.sandbox_mode,
        rules=state.rules,
        session_approved=state.approvals.session_prefixes,
    )
    sandbox = NoSandbox() if a.run_unsandboxed else state.sandbox
    if a.decision == "forbid":
        return Verdict(run=False, sandbox=sandbox, message=f"command rejected: {a.reason}")
    if a.decision == "prompt":
        decision = await state.approvals.ask_exec(
            turn_id=turn_id,
            call_id=call_id,
            command=display(command),
            cwd=str(cwd),
            reason=a.reason,
            prefix=a.prefix,
        )
        if decision == "abort":
            raise AbortTurn
        if decision == "denied":
            return Verdict(run=False, sandbox=sandbox, message="exec command rejected by user")
        if decision == "approved_for_session":
            state.approvals.session_prefixes.update(a.prefixes or (a.prefix,))
    return Verdict(run=True, sandbox=sandbox)


async def retry_outside_sandbox(
    state: SessionState,
    *,
    turn_id: str,
    call_id: str,
    command: str | list[str],
    cwd: Path,
    exit_code: int,
    output: str,
) -> bool:
    """After a sandboxed failure that looks like a denial, ask (under on-failure and
    untrusted) whether to run the command again without the sandbox."""
    if not offer_unsandboxed_retry(state.approval_policy, exit_code=exit_code, output=output):
        return False
    decision = await state.approvals.ask_exec(
        turn_id=turn_id,
        call_id=call_id,
        command=display(command),
        cwd=str(cwd),
        reason="the command failed in the sandbox; run it again without the sandbox?",
        prefix=(),
        retry_unsandboxed=True,
    )
    if decision == "abort":
        raise AbortTurn
    return decision in ("approved", "approved_for_session")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def writable(state: SessionState, path: Path) -> bool:
    if state.sandbox_mode == "danger-full-access":
        return True
    if state.sandbox_mode == "read-only":
        return False
    real = os.path.realpath(path)
    policy = state.policy
    if any(_inside(real, p) for p in policy.protected):
        return False
    return any(_inside(real, root) for root in policy.writable_roots)


async def gate_patch(
    state: SessionState, *, turn_id: str, call_id: str, changes: list[FileChange], cwd: Path
) -> str | None:
    """None when the patch may be applied; otherwise the message for the model."""
    targets = [cwd / c.path for c in changes] + [cwd / c.move_path for c in changes if c.move_path]

    def check() -> tuple[list[Path], list[str]]:  # realpath touches the disk: off the loop
        return [t for t in targets if not writable(state, t)], [
            os.path.realpath(t) for t in targets
        ]

    outside, real = await asyncio.to_thread(check)
    remembered = all(r in state.approvals.session_paths for r in real)
    if state.approval_policy != "untrusted" and not outside:
        return None
    if remembered and targets:
        return None
    if state.approval_policy == "never":
        if state.sandbox_mode == "read-only":
            return "patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings"
        return "patch rejected: writing outside of the project; rejected by user approval settings"
    reason = (
        "the patch writes outside the writable roots: " + ", ".join(str(t) for t in outside)
        if outside
        else "approval policy asks before every change"
    )
    decision = await state.approvals.ask_patch(
        turn_id=turn_id, call_id=call_id, changes=changes, reason=reason
    )
    if decision == "abort":
        raise AbortTurn
    if decision == "denied":
        return "patch rejected by user"
    if decision == "approved_for_session":
        state.approvals.session_paths.update(real)
    return None


async def gate_call(
    state: SessionState, *, turn_id: str, call_id: str, request: CallApproval
) -> str | None:
    """MCP calls: None to go ahead, else the refusal the model reads. The server's
    ``approval`` says when to ask: "always", "never", or "on-request" (ask only under the
    untrusted policy, for tools that do not say they only read)."""
    if request.mode == "never":
        return None
    if request.mode == "on-request" and (state.approval_policy != "untrusted" or request.read_only):
        return None
    if request.key in state.approvals.session_tools:
        return None
    if state.approval_policy == "never":
        return f"{request.display}: rejected; the server asks for approval and approval_policy is never"
    decision = await state.approvals.ask_exec(
        turn_id=turn_id,
        call_id=call_id,
        command=request.display,
        cwd=str(state.settings.cwd),
        reason=request.reason,
        prefix=(),
    )
    if decision == "abort":
        raise AbortTurn
    if decision == "denied":
        return "MCP tool call rejected by user"
    if decision == "approved_for_session":
        state.approvals.session_tools.add(request.key)
    return None
