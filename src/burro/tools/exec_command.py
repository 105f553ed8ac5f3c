"""``exec_command`` and ``write_stdin``: commands that keep running after a short yield.

``exec_command`` starts a command and waits up to its yield time. A command that exits
by then is reported like any command; one that is still running becomes a background
session (ProcessManager) and the model gets its id. ``write_stdin`` polls a session
(empty ``chars``), types into it (sessions started with ``tty``), or interrupts it
(``"\\u0003"``). Output format (as Codex's unified exec)::

    Chunk ID: 00002a
    Wall time: 10.0021 seconds
    Process running with session ID 3        (or: Process exited with code 0)
    Original token count: 12345              (only when the output was cut)
    Output:
    ...
"""

from __future__ import annotations

import asyncio
import math
import time

from burro.protocol.events import ExecCommandBegin, ExecCommandEnd
from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args
from burro.tools.base import CommandRequest, ToolBase, ToolContext, ToolError, ToolResult
from burro.tools.processes import ProcessManager, ProcessSession
from burro.tools.shell import command_request, payload_args, workdir_of
from burro.util.truncate import truncate_middle

_EXEC_EXAMPLE = '{"cmd": "pytest -q", "yield_time_ms": 10000}'
_WRITE_EXAMPLE = '{"session_id": 3, "chars": ""}'
EXEC_YIELD_MS = (250, 30_000)  # clamp of exec_command's yield_time_ms
EXEC_DEFAULT_YIELD_MS = 10_000
WRITE_YIELD_MS = (250, 30_000)  # a write that types something
POLL_YIELD_MS = (5_000, 300_000)  # an empty write: wait for output or the exit
WRITE_DEFAULT_YIELD_MS = 250
# A model may ask for more output than the session's cap, within reason.
_MAX_BUDGET_FACTOR = 4


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def _budget(args: Args, ctx: ToolContext) -> int:
    """Model-facing output budget in bytes (``max_output_tokens`` x 4, bounded)."""
    if args.get("max_output_tokens") is None:
        return ctx.output_limit_bytes
    tokens = args.int_("max_output_tokens", default=0, minimum=1)
    return min(tokens * 4, ctx.output_limit_bytes * _MAX_BUDGET_FACTOR)


def _bool(args: Args, key: str) -> bool:
    value = args.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise args.error(f"field '{key}' must be true or false")
    return value


def report(
    session: ProcessSession,
    manager: ProcessManager,
    *,
    started: float,
    budget: int,
    notes: list[str],
) -> ToolResult:
    """What the model reads about ``session`` now: new output since the last report, and
    whether it still runs. A session that has ended is forgotten after this report."""
    text, original = session.pending.take()
    notes = [*notes, *session.notes]
    session.notes = []
    wall = time.monotonic() - started
    status = session.status()
    lines = [f"Chunk ID: {manager.chunk_id()}", f"Wall time: {wall:.4f} seconds"]
    if status == "running":
        lines.append(f"Process running with session ID {session.id}")
    else:
        manager.remove(session.id)
        lines.append(f"Process exited with code {session.exit_code}")
    capped, removed = truncate_middle(text, max_bytes=budget)
    if removed or original > len(text.encode("utf-8", "surrogatepass")):
        lines.append(f"Original token count: {math.ceil(original / 4)}")
    lines += [f"Note: {note}" for note in notes]
    lines.append("Output:")
    return ToolResult(
        output="\n".join(lines) + "\n" + capped,
        success=status in ("running", "completed"),
        status=status,
        exit_code=session.exit_code,
        duration_s=wall,
        full_output=text,
    )


class ExecCommandTool(ToolBase):
    """Starts a command; it keeps running in the background if it outlives its yield."""

    name = "exec_command"
    parallel_safe = False
    self_reporting = True
    shell_like = True

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    def command(self, payload: str) -> CommandRequest | None:
        args = payload_args(payload)
        return command_request(args.get("cmd"), args.get("workdir"))

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXEC_EXAMPLE)
        cmd = args.required_str("cmd")
        if not cmd.strip():
            raise args.error("field 'cmd' is empty")
        workdir = workdir_of(args, ctx.cwd)
        shell = args.str_("shell") or "bash"
        tty = _bool(args, "tty")
        _bool(args, "login")  # accepted; commands always run with `SHELL -c` (no profile)
        yield_ms = _clamp(
            args.int_("yield_time_ms", default=EXEC_DEFAULT_YIELD_MS, minimum=0), EXEC_YIELD_MS
        )
        budget = _budget(args, ctx)
        manager = ctx.processes
        session = ProcessSession(
            manager.new_id(),
            display=cmd,
            call_id=ctx.call_id,
            turn_id=ctx.turn_id,
            tty=tty,
            emit=ctx.emit,
        )
        ctx.emit(
            ExecCommandBegin(
                turn_id=ctx.turn_id, call_id=ctx.call_id, command=cmd, cwd=str(workdir)
            )
        )
        started = time.monotonic()
        try:
            await session.start(
                ctx.sandbox.wrap([shell, "-c", cmd], cwd=workdir),
                cwd=workdir,
                env=dict(ctx.env) if ctx.env else None,
                max_runtime_s=manager.max_runtime_s,
            )
        except OSError as exc:
            message = f"execution error: {exc.strerror or exc}: {shell}"
            ctx.emit(
                ExecCommandEnd(
                    turn_id=ctx.turn_id,
                    call_id=ctx.call_id,
                    command=cmd,
                    exit_code=127,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    aggregated_output=message,
                    status="failed",
                )
            )
            return ToolResult(
                output=message, success=False, status="failed", exit_code=127, full_output=message
            )
        notes = manager.add(session)
        try:
            await session.wait(yield_ms / 1000)
        except asyncio.CancelledError:
            # Interrupted before the model learnt the session id: nobody could poll it.
            manager.remove(session.id)
            session.kill(status="aborted")
            await session.wait(5.0)
            raise
        return report(session, manager, started=started, budget=budget, notes=notes)


class WriteStdinTool(ToolBase):
    """Polls, types into, or interrupts a background session of exec_command."""

    name = "write_stdin"
    parallel_safe = False

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_WRITE_EXAMPLE)
        if args.get("session_id") is None:
            raise args.error(
                f"missing required field 'session_id'; send a JSON object like {_WRITE_EXAMPLE}"
            )
        session_id = args.int_("session_id", default=0)
        chars = args.str_("chars") or ""
        budget = _budget(args, ctx)
        manager = ctx.processes
        session = manager.get(session_id)
        if session is None:
            running = ", ".join(str(i) for i in manager.ids()) or "none"
            raise ToolError(
                f"write_stdin: no session {session_id} (it ended and its last output was "
                f"already returned, or the id is wrong); open sessions: {running}"
            )
        started = time.monotonic()
        await session.write(chars)
        bounds = WRITE_YIELD_MS if chars else POLL_YIELD_MS
        yield_ms = _clamp(
            args.int_("yield_time_ms", default=WRITE_DEFAULT_YIELD_MS, minimum=0), bounds
        )
        await session.wait(yield_ms / 1000)
        return report(session, manager, started=started, budget=budget, notes=[])
