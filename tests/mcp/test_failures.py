"""Servers that are slow, hang, crash or fail: the session never waits on an optional
server, a crash is a clear tool error, a required server that fails stops the start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from burro.core.api import CoreError
from burro.protocol import events as ev
from burro.protocol.model import Prompt, StreamEvent
from tests.fakes.scripted import ScriptedModel, calls, say
from tests.mcp.kit import outputs, session, stdio, until

pytestmark = pytest.mark.asyncio


async def test_a_slow_server_joins_later_without_delaying_the_first_request(
    tmp_path: Path, everything: list[str], toy: list[str]
) -> None:
    seen: dict[str, str] = {}
    box: dict[str, object] = {}

    async def first(prompt: Prompt) -> AsyncIterator[StreamEvent]:
        # The first request is made while the slow server is still starting.
        handle = box["run"].handle  # type: ignore[attr-defined]
        seen.update({s.name: s.status for s in handle.mcp_servers()})
        for event in say("first answer"):
            yield event

    model = ScriptedModel(first, calls(("mcp__slow__hello", {"name": "late"})), say("done"))
    servers = {
        "fast": stdio(everything, required=True, enabled_tools=["echo"]),
        "slow": stdio([*toy, "--sleep", "2"]),
    }
    run = await session(tmp_path, servers, model)
    box["run"] = run
    try:
        await run.turn("one")
        assert seen == {"fast": "ready", "slow": "starting"}
        await until(run, "slow", "ready")
        await run.turn("two")
        before = [t.name for t in model.prompts[0].tools]
        after = [t.name for t in model.prompts[1].tools]
        # The late server's tools are appended: the earlier tool list is kept as it was.
        assert after[: len(before)] == before
        assert after[len(before) :] == ["mcp__slow__hello", "mcp__slow__crash", "mcp__slow__touch"]
        assert [t.name for t in model.prompts[2].tools] == after
        [out] = outputs(model.prompts[2].items)
        assert out.output == "hello late"
    finally:
        await run.close()


async def test_a_server_that_never_starts_is_a_warning_and_the_session_goes_on(
    tmp_path: Path, toy: list[str]
) -> None:
    model = ScriptedModel(say("answer without it"), say("still fine"))
    servers = {"stuck": stdio([*toy, "--hang"], startup_timeout_sec=1)}
    run = await session(tmp_path, servers, model)
    try:
        assert (await run.turn("one")).status == "completed"
        await until(run, "stuck", "failed")
        warning = await run.wait_for(lambda e: isinstance(e, ev.Warning) and "stuck" in e.message)
        assert "did not start within 1s" in warning.message  # type: ignore[attr-defined]
        assert (await run.turn("two")).status == "completed"
        assert not any(t.name.startswith("mcp__") for t in model.prompts[1].tools)
    finally:
        await run.close()


async def test_a_crash_during_a_call_is_a_clear_tool_error(tmp_path: Path, toy: list[str]) -> None:
    model = ScriptedModel(
        calls(("mcp__toy__crash", {})),
        calls(("mcp__toy__hello", {"name": "again"})),
        say("the server died"),
        say("next turn works"),
    )
    run = await session(tmp_path, {"toy": stdio(toy, required=True)}, model)
    try:
        assert (await run.turn("crash it")).status == "completed"
        [crash] = outputs(model.prompts[1].items)
        assert not crash.success
        assert "MCP server `toy` stopped during the call" in crash.output
        assert "crashing on purpose" in crash.output  # the tail of its stderr
        [after] = outputs(model.prompts[2].items)[1:]
        assert "MCP server `toy` is not running" in after.output
        # Its tools stay declared (the request prefix is unchanged) and the session goes on.
        assert [t.name for t in model.prompts[2].tools] == [t.name for t in model.prompts[0].tools]
        assert (await run.turn("next")).status == "completed"
        assert run.handle.mcp_servers()[0].status == "failed"
    finally:
        await run.close()


async def test_a_slow_tool_times_out_and_the_server_stays_usable(
    tmp_path: Path, everything: list[str]
) -> None:
    model = ScriptedModel(
        calls(("mcp__e__trigger-long-running-operation", {"duration": 30, "steps": 30})),
        calls(("mcp__e__echo", {"message": "still here"})),
        say("ok"),
    )
    servers = {"e": stdio(everything, required=True, tool_timeout_sec=1)}
    run = await session(tmp_path, servers, model)
    try:
        assert (await run.turn("slow")).status == "completed"
        [slow] = outputs(model.prompts[1].items)
        assert not slow.success and "timed out after 1s (tool_timeout_sec)" in slow.output
        [echo] = outputs(model.prompts[2].items)[1:]
        assert echo.output == "Echo: still here"
    finally:
        await run.close()


async def test_a_required_server_that_fails_stops_the_start(tmp_path: Path, toy: list[str]) -> None:
    servers = {
        "needed": {"command": str(tmp_path / "no-such-server"), "required": True},
        "fine": stdio(toy),
    }
    with pytest.raises(CoreError) as err:
        await session(tmp_path, servers, ScriptedModel())
    message = str(err.value)
    assert "required MCP server `needed` failed to start" in message
    assert "not found" in message


async def test_an_optional_server_that_fails_is_a_warning(tmp_path: Path) -> None:
    model = ScriptedModel(say("fine"))
    servers = {"missing": {"command": str(tmp_path / "no-such-server")}}
    run = await session(tmp_path, servers, model)
    try:
        warning = await run.wait_for(lambda e: isinstance(e, ev.Warning) and "missing" in e.message)
        assert "not found" in warning.message  # type: ignore[attr-defined]
        assert (await run.turn("hi")).status == "completed"
    finally:
        await run.close()


async def test_servers_end_with_the_session(tmp_path: Path, toy: list[str]) -> None:
    run = await session(tmp_path, {"toy": stdio(toy, required=True)}, ScriptedModel())
    pids = _children_running(toy[1])
    assert pids, "the toy server should be running"
    await run.close()
    for _ in range(100):
        if not set(pids) & set(_children_running(toy[1])):
            break
        await asyncio.sleep(0.05)
    assert not set(pids) & set(_children_running(toy[1]))


def _children_running(script: str) -> list[int]:
    import os

    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if script.encode() in cmd and int(ppid) == os.getpid():
            found.append(int(entry))
    return found
