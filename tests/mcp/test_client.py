"""The MCP client against real servers: npm server-everything over stdio and streamable
HTTP, PyPI mcp-server-git; results, errors, names, order, enabled/disabled tools."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from burro.protocol import events as ev
from tests.fakes.scripted import ScriptedModel, calls, say
from tests.mcp.kit import outputs, session, stdio

pytestmark = pytest.mark.asyncio


async def test_stdio_everything_text_image_structured_and_error_results(
    tmp_path: Path, everything: list[str]
) -> None:
    model = ScriptedModel(
        calls(
            ("mcp__everything__echo", {"message": "hi there"}),
            ("mcp__everything__get-tiny-image", {}),
            ("mcp__everything__get-structured-content", {"location": "Chicago"}),
            ("mcp__everything__get-sum", {"a": "not a number", "b": 2}),
        ),
        say("done"),
    )
    run = await session(tmp_path, {"everything": stdio(everything, required=True)}, model)
    try:
        result = await run.turn("use the tools")
        assert result.status == "completed"
        first = [t.name for t in model.prompts[0].tools]
        mcp = [n for n in first if n.startswith("mcp__")]
        # Offered from the first request (required servers are waited for), in the
        # server's own order, after burro's own tools.
        assert mcp[:3] == [
            "mcp__everything__echo",
            "mcp__everything__get-annotated-message",
            "mcp__everything__get-env",
        ]
        assert first.index(mcp[0]) == len(first) - len(mcp)
        echo, image, structured, bad = outputs(model.prompts[1].items)
        assert echo.output == "Echo: hi there" and echo.success
        assert image.images and image.images[0].image_url.startswith("data:image/png;base64,")
        assert json.loads(structured.output).keys() == {"temperature", "conditions", "humidity"}
        assert not bad.success and "expected number" in bad.output
        # The front ends see the real server and tool names.
        begins = run.of(ev.ToolCallBegin)
        assert {(b.mcp_server, b.mcp_tool) for b in begins} >= {("everything", "echo")}
        ends = {e.mcp_tool: e for e in run.of(ev.ToolCallEnd)}
        assert ends["get-sum"].success is False and ends["echo"].output == "Echo: hi there"
    finally:
        await run.close()


async def test_streamable_http_everything(tmp_path: Path, everything_http: str) -> None:
    model = ScriptedModel(
        calls(
            ("mcp__web__echo", {"message": "over http"}),
            ("mcp__web__get-structured-content", {"location": "New York"}),
        ),
        say("done"),
    )
    run = await session(tmp_path, {"web": {"url": everything_http, "required": True}}, model)
    try:
        assert (await run.turn("go")).status == "completed"
        echo, structured = outputs(model.prompts[1].items)
        assert echo.output == "Echo: over http"
        assert "temperature" in json.loads(structured.output)
        [status] = run.handle.mcp_servers()
        assert status.transport == "http" and status.status == "ready"
    finally:
        await run.close()


async def test_mcp_server_git_reports_the_repository(tmp_path: Path, git_server: list[str]) -> None:
    repo = tmp_path / "work"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "trunk"], cwd=repo, check=True)
    (repo / "new.txt").write_text("x\n")
    model = ScriptedModel(calls(("mcp__git__git_status", {"repo_path": str(repo)})), say("ok"))
    server = stdio([*git_server, "--repository", str(repo)], required=True)
    run = await session(tmp_path, {"git": server}, model)
    try:
        assert (await run.turn("status?")).status == "completed"
        [out] = outputs(model.prompts[1].items)
        assert out.success and "trunk" in out.output and "new.txt" in out.output
    finally:
        await run.close()


async def test_servers_in_name_order_with_enabled_and_disabled_tools(
    tmp_path: Path, everything: list[str], toy: list[str]
) -> None:
    model = ScriptedModel(say("hi"))
    servers = {
        "zeta": stdio(toy, required=True, disabled_tools=["crash"]),
        "alpha": stdio(everything, required=True, enabled_tools=["get-sum", "echo"]),
        "off": stdio(toy, enabled=False),
    }
    run = await session(tmp_path, servers, model)
    try:
        await run.turn("hi")
        names = [t.name for t in model.prompts[0].tools if t.name.startswith("mcp__")]
        assert names == [
            "mcp__alpha__echo",
            "mcp__alpha__get-sum",
            "mcp__zeta__hello",
            "mcp__zeta__touch",
        ]
        status = {s.name: s.status for s in run.handle.mcp_servers()}
        assert status == {"alpha": "ready", "off": "disabled", "zeta": "ready"}
    finally:
        await run.close()
