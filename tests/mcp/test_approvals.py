"""MCP calls pass the approval policy per server (`approval = never | on-request | always`):
a declined call never reaches the server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from burro.protocol import events as ev
from burro.protocol.ops import ExecApproval, ReviewDecision
from tests.fakes.scripted import Run, ScriptedModel, calls, say
from tests.mcp.kit import outputs, session, stdio

pytestmark = pytest.mark.asyncio


def _touch(path: Path) -> list[object]:
    return calls(("mcp__toy__touch", {"path": str(path)}))  # type: ignore[return-value]


async def _answer(run: Run, decisions: list[ReviewDecision]) -> list[ev.ExecApprovalRequest]:
    asked: list[ev.ExecApprovalRequest] = []
    for decision in decisions:
        req = await run.wait_for(lambda e: isinstance(e, ev.ExecApprovalRequest) and e not in asked)
        assert isinstance(req, ev.ExecApprovalRequest)
        asked.append(req)
        run.handle.submit(ExecApproval(call_id=req.call_id, decision=decision))
    return asked


async def test_always_asks_and_a_denied_call_never_runs(tmp_path: Path, toy: list[str]) -> None:
    denied, approved, remembered = (tmp_path / n for n in ("denied", "approved", "remembered"))
    model = ScriptedModel(_touch(denied), _touch(approved), _touch(remembered), say("done"))  # type: ignore[arg-type]
    servers = {"toy": stdio(toy, required=True, approval="always")}
    run = await session(tmp_path, servers, model, approval_policy="on-request")
    try:
        turn = asyncio.create_task(run.turn("touch"))
        asked = await _answer(run, ["denied", "approved_for_session"])
        assert (await turn).status == "completed"
        assert "toy.touch" in asked[0].command and "MCP server `toy`" in asked[0].reason
        assert not denied.exists()
        first = outputs(model.prompts[1].items)[0]
        assert not first.success and "rejected by user" in first.output
        assert approved.exists() and remembered.exists()
        assert len(run.of(ev.ExecApprovalRequest)) == 2  # the third call was remembered
    finally:
        await run.close()


async def test_always_under_policy_never_is_declined_without_asking(
    tmp_path: Path, toy: list[str]
) -> None:
    target = tmp_path / "never"
    model = ScriptedModel(_touch(target), say("done"))  # type: ignore[arg-type]
    servers = {"toy": stdio(toy, required=True, approval="always")}
    run = await session(tmp_path, servers, model, approval_policy="never")
    try:
        assert (await run.turn("touch")).status == "completed"
        [out] = outputs(model.prompts[1].items)
        assert not out.success and "approval_policy is never" in out.output
        assert not target.exists() and not run.of(ev.ExecApprovalRequest)
    finally:
        await run.close()


async def test_on_request_follows_the_session_policy(tmp_path: Path, toy: list[str]) -> None:
    asked_for, trusted = tmp_path / "asked", tmp_path / "trusted"
    model = ScriptedModel(_touch(asked_for), say("done"))  # type: ignore[arg-type]
    servers = {"toy": stdio(toy, required=True)}  # approval = "on-request" by default
    run = await session(tmp_path, servers, model, approval_policy="untrusted")
    try:
        turn = asyncio.create_task(run.turn("touch"))
        await _answer(run, ["approved"])
        assert (await turn).status == "completed" and asked_for.exists()
    finally:
        await run.close()
    # The same server with approval = "never" runs calls without asking, even untrusted.
    model = ScriptedModel(_touch(trusted), say("done"))  # type: ignore[arg-type]
    servers = {"toy": stdio(toy, required=True, approval="never")}
    run = await session(tmp_path, servers, model, approval_policy="untrusted")
    try:
        assert (await run.turn("touch")).status == "completed"
        assert trusted.exists() and not run.of(ev.ExecApprovalRequest)
    finally:
        await run.close()
