"""Approvals through the core API (the same Ops/Events every front end uses)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn

from burro.config import load_settings
from burro.core.api import SessionOptions, start_session
from burro.protocol import events as ev
from burro.protocol.items import TextPart
from burro.protocol.ops import ExecApproval, OverrideTurnContext, Shutdown, UserTurn

Answer = Callable[[ev.ExecApprovalRequest], str]


def _repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def _run(
    tmp: Path,
    server: FakeModelServer,
    *,
    approval: str,
    sandbox: str,
    answer: Answer,
    config: list[str] = (),
    prompts: int = 1,
    override: OverrideTurnContext | None = None,
) -> list[ev.Event]:
    repo = _repo(tmp)
    table = f'{{name="fake",base_url="{server.base_url}",wire_api="chat",env_key="FAKE_KEY"}}'
    settings = load_settings(
        cwd=repo,
        env={"BURRO_HOME": str(tmp / "home")},
        model="qwen3-coder",
        overrides=["model_provider=fake", f"model_providers.fake={table}", *config],
        approval_policy=approval,
        sandbox_mode=sandbox,  # type: ignore[arg-type]
    )

    async def drive() -> list[ev.Event]:
        handle = await start_session(
            settings, env={**os.environ, "FAKE_KEY": "k"}, options=SessionOptions(ephemeral=True)
        )
        seen: list[ev.Event] = []
        sent = 1
        handle.submit(UserTurn(items=[TextPart(text="go")]))
        async for e in handle.events():
            seen.append(e)
            if isinstance(e, ev.ExecApprovalRequest):
                handle.submit(ExecApproval(call_id=e.call_id, decision=answer(e)))  # type: ignore[arg-type]
            if isinstance(e, ev.TurnComplete | ev.TurnFailed | ev.TurnAborted):
                if sent < prompts:
                    sent += 1
                    if override is not None:
                        handle.submit(override)
                    handle.submit(UserTurn(items=[TextPart(text=f"prompt {sent}")]))
                else:
                    handle.submit(Shutdown())
        return seen

    return asyncio.run(drive())


def test_on_failure_offers_to_rerun_outside_the_sandbox(tmp_path: Path) -> None:
    outside = Path(tempfile.mkdtemp(prefix="burro-approve-", dir="/var/tmp"))
    try:
        cmd = f"echo data > {outside}/f.txt"
        with FakeModelServer(
            [Turn([Call("shell", {"command": cmd}, call_id="c1")]), Turn([Text("done")])]
        ) as server:
            seen = _run(
                tmp_path,
                server,
                approval="on-failure",
                sandbox="workspace-write",
                answer=lambda _e: "approved",
            )
            told = server.requests[1].body.decode()
        asks = [e for e in seen if isinstance(e, ev.ExecApprovalRequest)]
        assert len(asks) == 1 and asks[0].retry_unsandboxed
        assert (outside / "f.txt").read_text() == "data\n"
        assert "Exit code: 0" in told
    finally:
        shutil.rmtree(outside)


def test_untrusted_asks_and_session_approval_is_remembered(tmp_path: Path) -> None:
    script = [
        Turn([Call("shell", {"command": "touch a.txt"}, call_id="c1")]),
        Turn([Call("shell", {"command": "touch b.txt"}, call_id="c2")]),
        Turn([Call("shell", {"command": "touch c.txt"}, call_id="c3")]),
        Turn([Call("shell", {"command": "ls"}, call_id="c4")]),
        Turn([Text("done")]),
    ]
    answers = iter(["denied", "approved_for_session"])
    with FakeModelServer(script) as server:
        seen = _run(
            tmp_path,
            server,
            approval="untrusted",
            sandbox="workspace-write",
            answer=lambda _e: next(answers),
        )
        bodies = [r.body.decode() for r in server.requests]
    repo = tmp_path / "repo"
    asks = [e.command for e in seen if isinstance(e, ev.ExecApprovalRequest)]
    assert asks == ["touch a.txt", "touch b.txt"]  # c.txt: remembered prefix; ls: known safe
    assert not (repo / "a.txt").exists() and (repo / "b.txt").exists() and (repo / "c.txt").exists()
    assert "exec command rejected by user" in bodies[1]


def test_config_rules_forbid_by_prefix(tmp_path: Path) -> None:
    rule = 'rules=[{prefix=["git","push"],decision="forbid"}]'
    with FakeModelServer(
        [
            Turn([Call("shell", {"command": "git status && git push origin main"}, call_id="c1")]),
            Turn([Text("ok")]),
        ]
    ) as server:
        seen = _run(
            tmp_path,
            server,
            approval="on-request",
            sandbox="workspace-write",
            answer=lambda _e: "approved",
            config=[rule],
        )
        told = server.requests[1].body.decode()
    assert not any(isinstance(e, ev.ExecApprovalRequest) for e in seen)
    assert "command rejected" in told and "git push" in told


def test_permission_change_is_appended_not_rewritten(tmp_path: Path) -> None:
    with FakeModelServer([Turn([Text("one")]), Turn([Text("two")])]) as server:
        _run(
            tmp_path,
            server,
            approval="on-request",
            sandbox="read-only",
            answer=lambda _e: "approved",
            prompts=2,
            override=OverrideTurnContext(sandbox_mode="workspace-write"),
        )
        first, second = (r.body for r in server.requests)
    assert second.startswith(first[:-2])
    tail = second[len(first) - 2 :].decode()
    assert "Sandbox mode: `workspace-write`" in tail
