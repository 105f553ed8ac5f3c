"""exec_command + write_stdin with real processes: background sessions that the model
polls, types into (pty) and interrupts; the runtime ceiling; the session cap; killing
everything when the burro session ends; the sandbox applies to background processes."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from burro.protocol.events import Event, ExecCommandBegin, ExecCommandEnd
from burro.sandbox import BwrapSandbox, policy_for
from burro.sandbox.bwrap import find_bwrap
from burro.tools.base import ToolContext, ToolError, ToolResult
from burro.tools.exec_command import ExecCommandTool, WriteStdinTool
from burro.tools.processes import ProcessManager
from tests.unit.tools._helpers import live_group_members, wait_group_gone


def _ctx(cwd: Path, pm: ProcessManager, events: list[Event], **kw: object) -> ToolContext:
    return ToolContext(
        turn_id="turn-1", call_id="call-1", cwd=cwd, emit=events.append, processes=pm, **kw
    )  # type: ignore[arg-type]


async def exec_(ctx: ToolContext, cmd: str, **args: object) -> ToolResult:
    return await ExecCommandTool().run(json.dumps({"cmd": cmd, **args}), ctx)


async def write(ctx: ToolContext, session_id: int, chars: str = "", **args: object) -> ToolResult:
    payload = {"session_id": session_id, "chars": chars, **args}
    return await WriteStdinTool().run(json.dumps(payload), ctx)


def session_id(result: ToolResult) -> int:
    match = re.search(r"^Process running with session ID (\d+)$", result.output, re.M)
    assert match, result.output
    return int(match.group(1))


def body(result: ToolResult) -> str:
    return result.output.split("\nOutput:\n", 1)[1]


def test_a_quick_command_answers_like_any_command(tmp_path: Path) -> None:
    async def go() -> None:
        events: list[Event] = []
        ctx = _ctx(tmp_path, ProcessManager(), events)
        result = await exec_(ctx, "echo hello; exit 3")
        lines = result.output.splitlines()
        assert re.fullmatch(r"Chunk ID: [0-9a-f]{6}", lines[0])
        assert re.fullmatch(r"Wall time: \d+\.\d{4} seconds", lines[1])
        assert lines[2] == "Process exited with code 3"
        assert body(result) == "hello\n"
        assert (result.status, result.exit_code, result.success) == ("failed", 3, False)
        assert isinstance(events[0], ExecCommandBegin)
        (end,) = [e for e in events if isinstance(e, ExecCommandEnd)]
        assert (end.exit_code, end.status, end.aggregated_output) == (3, "failed", "hello\n")
        assert ctx.processes.ids() == []  # nothing left to poll

    asyncio.run(go())


def test_a_long_command_becomes_a_session_polled_until_it_exits(tmp_path: Path) -> None:
    async def go() -> None:
        events: list[Event] = []
        ctx = _ctx(tmp_path, ProcessManager(), events)
        first = await exec_(
            ctx, "echo start; sleep 1.5; echo middle; sleep 1; echo end; exit 7", yield_time_ms=300
        )
        sid = session_id(first)
        assert first.status == "running" and first.success and first.exit_code is None
        assert body(first) == "start\n"
        assert not [e for e in events if isinstance(e, ExecCommandEnd)]  # still running
        seen = ""
        result = first
        for _ in range(10):
            result = await write(ctx, sid)  # an empty write polls
            seen += body(result)
            if result.status != "running":
                break
        assert "Process exited with code 7" in result.output
        assert (result.status, result.exit_code) == ("failed", 7)
        assert seen == "middle\nend\n"  # each poll returns only what is new
        (end,) = [e for e in events if isinstance(e, ExecCommandEnd)]
        assert end.call_id == "call-1" and end.exit_code == 7
        assert end.aggregated_output == "start\nmiddle\nend\n"
        with pytest.raises(ToolError, match=f"no session {sid}"):
            await write(ctx, sid)  # ended and reported: gone

    asyncio.run(go())


def test_interactive_python_in_a_terminal(tmp_path: Path) -> None:
    async def go() -> None:
        ctx = _ctx(tmp_path, ProcessManager(), [])
        started = await exec_(ctx, "python3 -q", tty=True, yield_time_ms=1000)
        sid = session_id(started)
        answer = await write(ctx, sid, "print(6*7)\n", yield_time_ms=2000)
        assert "42\n" in body(answer)
        assert answer.status == "running"
        done = await write(ctx, sid, "exit()\n", yield_time_ms=5000)
        assert "Process exited with code 0" in done.output

    asyncio.run(go())


def test_without_a_terminal_typing_is_refused_but_ctrl_c_interrupts(tmp_path: Path) -> None:
    async def go() -> None:
        ctx = _ctx(tmp_path, ProcessManager(), [])
        started = await exec_(ctx, "sleep 600", yield_time_ms=250)
        sid = session_id(started)
        pgid = ctx.processes.get(sid).pid  # type: ignore[union-attr]
        with pytest.raises(ToolError, match='"tty": true'):
            await write(ctx, sid, "hello\n")
        stopped = await write(ctx, sid, "\u0003", yield_time_ms=5000)
        assert "Process exited with code 130" in stopped.output  # 128 + SIGINT
        assert wait_group_gone(pgid) == []

    asyncio.run(go())


def test_the_max_runtime_ceiling_kills_a_session(tmp_path: Path) -> None:
    async def go() -> None:
        events: list[Event] = []
        ctx = _ctx(tmp_path, ProcessManager(max_runtime_s=1.0), events)
        started = await exec_(ctx, "echo up; sleep 600", yield_time_ms=250)
        sid = session_id(started)
        pgid = ctx.processes.get(sid).pid  # type: ignore[union-attr]
        result = started
        for _ in range(5):
            result = await write(ctx, sid)
            if result.status != "running":
                break
        assert result.status == "timed_out" and result.exit_code == 124
        assert "max_runtime limit of 1 s" in result.output
        (end,) = [e for e in events if isinstance(e, ExecCommandEnd)]
        assert end.status == "timed_out"
        assert wait_group_gone(pgid) == []

    asyncio.run(go())


def test_closing_the_manager_kills_every_background_process(tmp_path: Path) -> None:
    async def go() -> list[int]:
        pm = ProcessManager()
        ctx = _ctx(tmp_path, pm, [])
        groups = []
        for n in range(3):
            # Each session has a child of its own (sleep) besides the shell.
            started = await exec_(ctx, f"sleep 600 & sleep 60{n}; wait", yield_time_ms=250)
            groups.append(pm.get(session_id(started)).pid)  # type: ignore[union-attr]
        assert all(live_group_members(g) for g in groups)
        await pm.close()
        return groups

    groups = asyncio.run(go())
    assert [wait_group_gone(g) for g in groups] == [[], [], []]


def test_the_oldest_session_is_killed_when_the_cap_is_reached(tmp_path: Path) -> None:
    async def go() -> None:
        pm = ProcessManager(max_sessions=2)
        ctx = _ctx(tmp_path, pm, [])
        first = session_id(await exec_(ctx, "sleep 600", yield_time_ms=250))
        pgid = pm.get(first).pid  # type: ignore[union-attr]
        second = session_id(await exec_(ctx, "sleep 601", yield_time_ms=250))
        third = await exec_(ctx, "sleep 602", yield_time_ms=250)
        assert f"background session {first} (`sleep 600`) was killed" in third.output
        assert pm.ids() == [second, session_id(third)]
        assert wait_group_gone(pgid) == []
        await pm.close()

    asyncio.run(go())


def test_interrupting_the_first_wait_kills_the_command(tmp_path: Path) -> None:
    async def go() -> None:
        events: list[Event] = []
        pm = ProcessManager()
        ctx = _ctx(tmp_path, pm, events)
        task = asyncio.create_task(exec_(ctx, "sleep 600", yield_time_ms=10_000))
        while not pm.ids():
            await asyncio.sleep(0.02)
        pgid = pm.get(pm.ids()[0]).pid  # type: ignore[union-attr]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pm.ids() == []
        (end,) = [e for e in events if isinstance(e, ExecCommandEnd)]
        assert end.status == "aborted"
        assert wait_group_gone(pgid) == []

    asyncio.run(go())


def test_a_background_session_survives_an_interrupted_poll(tmp_path: Path) -> None:
    async def go() -> None:
        pm = ProcessManager()
        ctx = _ctx(tmp_path, pm, [])
        sid = session_id(await exec_(ctx, "sleep 2; echo finished", yield_time_ms=250))
        poll = asyncio.create_task(write(ctx, sid, yield_time_ms=60_000))
        await asyncio.sleep(0.2)
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll
        result = await write(ctx, sid, yield_time_ms=30_000)
        assert "Process exited with code 0" in result.output
        assert body(result) == "finished\n"

    asyncio.run(go())


@pytest.mark.skipif(find_bwrap() is None, reason="needs bubblewrap")
def test_a_sandboxed_background_process_cannot_write_outside_the_workspace(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "ws"
    outside = tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    policy = policy_for("workspace-write", cwd=workspace, burro_home=tmp_path / "home")
    sandbox = BwrapSandbox(policy)
    script = (
        f"sleep 1; touch {workspace}/inside.txt; "
        f"touch {outside}/escaped.txt 2>&1 || echo blocked; exit 0"
    )

    async def go() -> str:
        ctx = _ctx(workspace, ProcessManager(), [], sandbox=sandbox)
        sid = session_id(await exec_(ctx, script, yield_time_ms=250))
        result = await write(ctx, sid, yield_time_ms=30_000)
        assert "Process exited with code 0" in result.output
        return body(result)

    out = asyncio.run(go())
    assert (workspace / "inside.txt").exists()
    assert not (outside / "escaped.txt").exists()
    assert "blocked" in out


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    async def go() -> None:
        ctx = _ctx(tmp_path, ProcessManager(), [])
        with pytest.raises(ToolError, match="missing required field 'cmd'"):
            await ExecCommandTool().run("{}", ctx)
        with pytest.raises(ToolError, match="field 'tty' must be true or false"):
            await exec_(ctx, "true", tty="yes")
        with pytest.raises(ToolError, match="missing required field 'session_id'"):
            await WriteStdinTool().run("{}", ctx)
        with pytest.raises(ToolError, match="no session 99"):
            await write(ctx, 99)

    asyncio.run(go())


def test_output_over_the_budget_is_cut_and_counted(tmp_path: Path) -> None:
    async def go() -> None:
        ctx = _ctx(tmp_path, ProcessManager(), [])
        result = await exec_(ctx, "yes abcdefg | head -n 20000", max_output_tokens=500)
        assert "Original token count: 40000" in result.output  # 160,000 bytes / 4
        assert len(body(result).encode()) <= 2000

    asyncio.run(go())
