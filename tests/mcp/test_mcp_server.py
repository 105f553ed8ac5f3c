"""`burro mcp-server` driven by the `mcp` Python SDK client: a session that runs a command
and edits a file, a reply by threadId, progress notifications, approvals answered through
elicitation (declined when the client cannot elicit)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import burro_env
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.fakes.workspace import fake_provider_overrides

pytestmark = pytest.mark.asyncio

PATCH = "*** Begin Patch\n*** Update File: notes.txt\n@@\n-draft\n+final\n*** End Patch\n"


def _params(server: FakeModelServer, home: Path, cwd: Path) -> Any:
    from mcp import StdioServerParameters

    args = ["-m", "burro", "mcp-server"]
    for value in fake_provider_overrides(server.base_url, "responses"):
        args += ["-c", value]
    return StdioServerParameters(
        command=sys.executable, args=args, env=burro_env(home), cwd=str(cwd)
    )


def _script(server: FakeModelServer) -> None:
    server.add_turns(
        Turn([Call("shell", {"command": ["bash", "-lc", "echo made > made.txt"]})]),
        Turn([Call("apply_patch", {"input": PATCH})]),
        Turn([Text("made the file and edited notes")]),
    )


# "auto" negotiates 2026-07-28 (approvals come back as input_required rounds); "legacy"
# the handshake era (approvals are elicitation requests in the middle of the call).
ERAS = pytest.mark.parametrize("mode", ["auto", "legacy"])


@ERAS
async def test_burro_tool_runs_a_session_and_reply_continues_it(
    repo: Path, burro_home: Path, server: FakeModelServer, mode: str
) -> None:
    from mcp.types import ElicitResult

    from mcp import Client

    (repo / "notes.txt").write_text("draft\n")
    _script(server)
    server.add_turns(Turn([Text("second answer")]))
    asked: list[str] = []
    progress: list[str] = []

    async def elicit(_ctx: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"decision": "approved"})

    async def on_progress(_p: float, _t: float | None, message: str | None) -> None:
        progress.append(message or "")

    params = _params(server, burro_home, repo)
    async with Client(params, elicitation_callback=elicit, mode=mode) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["burro", "burro-reply"]
        first = await client.call_tool(
            "burro",
            {"prompt": "make a file", "cwd": str(repo), "model": "gpt-5.5",
             "sandbox": "workspace-write", "approval-policy": "untrusted"},
            progress_callback=on_progress,
        )  # fmt: skip
        assert not first.is_error, first.content
        thread = first.structured_content["threadId"]
        assert first.structured_content["content"] == "made the file and edited notes"
        assert (repo / "made.txt").read_text() == "made\n"
        assert (repo / "notes.txt").read_text() == "final\n"
        # Both the command and the edit were asked through elicitation.
        assert any("echo made > made.txt" in m for m in asked)
        assert any("notes.txt" in m for m in asked)
        assert any(p.startswith("running: ") for p in progress)
        assert any(p.startswith("edited: notes.txt") for p in progress)

        second = await client.call_tool("burro-reply", {"threadId": thread, "prompt": "and now?"})
        assert second.structured_content == {"threadId": thread, "content": "second answer"}
    # The reply continued the same conversation: the last request carries the first turn.
    last = server.requests[-1].body.decode()
    assert "make a file" in last and "and now?" in last


@ERAS
async def test_approvals_are_declined_when_the_client_cannot_elicit(
    repo: Path, burro_home: Path, server: FakeModelServer, mode: str
) -> None:
    from mcp import Client

    (repo / "notes.txt").write_text("draft\n")
    _script(server)
    async with Client(_params(server, burro_home, repo), mode=mode) as client:
        result = await client.call_tool(
            "burro",
            {"prompt": "make a file", "cwd": str(repo), "model": "gpt-5.5",
             "sandbox": "workspace-write", "approval-policy": "untrusted"},
        )  # fmt: skip
        assert not result.is_error
    assert not (repo / "made.txt").exists()
    assert (repo / "notes.txt").read_text() == "draft\n"
    second_request = server.requests[1].body.decode()
    assert "rejected by user" in second_request


async def test_bad_arguments_are_clear_tool_errors(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    from mcp import Client

    async with Client(_params(server, burro_home, repo)) as client:
        result = await client.call_tool("burro", {"prompt": "hi", "cwd": str(repo / "nope")})
        assert result.is_error
        assert "is not a directory" in result.content[0].text  # type: ignore[union-attr]
        typo = await client.call_tool(
            "burro", {"prompt": "hi", "config": {"shell": {"max_sesions": 2}}}
        )
        assert typo.is_error
        assert "unknown key `shell.max_sesions`" in typo.content[0].text  # type: ignore[union-attr]
