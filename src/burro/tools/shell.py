"""The ``shell`` tool (argv or script) and its ``shell_command`` twin (script only)."""

from __future__ import annotations

import asyncio
import os
import shlex
import time
from pathlib import Path
from typing import Literal

from burro.protocol.events import ExecCommandBegin, ExecCommandEnd, ExecCommandOutputDelta
from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args, resolve_path
from burro.tools._exec import (
    DEFAULT_MAX_DELTAS,
    DEFAULT_MAX_KEEP_BYTES,
    OutputCollector,
    Stream,
    run_process,
)
from burro.tools.base import ToolContext, ToolResult
from burro.util.truncate import count_lines, truncate_middle

_SHELLS = frozenset({"bash", "sh", "zsh"})
_SCRIPT_FLAGS = frozenset({"-c", "-lc"})
_EXAMPLE = '{"command": ["bash", "-lc", "ls -la"], "workdir": "."}'

ShellName = Literal["shell", "shell_command"]
EndStatus = Literal["completed", "failed", "timed_out", "aborted"]


def to_argv(command: str | list[str]) -> list[str]:
    """The argv burro runs for a ``command`` argument.

    A string runs as a bash script. ``[bash|sh|zsh, -c|-lc, script]`` runs the script with
    plain ``bash -c`` (no login shell per call). Any other list is executed directly."""
    if isinstance(command, str):
        return ["bash", "-c", command]
    if (
        len(command) == 3
        and os.path.basename(command[0]) in _SHELLS
        and command[1] in _SCRIPT_FLAGS
    ):
        return ["bash", "-c", command[2]]
    return list(command)


def format_exec_output(output: str, *, exit_code: int, duration_s: float, max_bytes: int) -> str:
    """The plain-text result the model reads: exit code, wall time, capped output."""
    capped, removed = truncate_middle(output, max_bytes=max_bytes)
    head = f"Exit code: {exit_code}\nWall time: {duration_s:.1f} seconds\n"
    if removed:
        head += f"Total output lines: {count_lines(output)}\n"
    return f"{head}Output:\n{capped}"


class ShellTool:
    """Runs commands in their own process group with streamed output and a timeout."""

    parallel_safe = False

    def __init__(
        self,
        *,
        name: ShellName = "shell",
        drain_timeout_s: float = 2.0,
        max_keep_bytes: int = DEFAULT_MAX_KEEP_BYTES,
        max_deltas: int = DEFAULT_MAX_DELTAS,
    ) -> None:
        self.name: str = name
        self._drain_timeout_s = drain_timeout_s
        self._max_keep_bytes = max_keep_bytes
        self._max_deltas = max_deltas

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    def _parse(self, payload: str, ctx: ToolContext) -> tuple[list[str], str, Path, int]:
        args = Args(self.name, payload, example=_EXAMPLE)
        raw = args.get("command")
        if raw is None:
            raise args.error(
                f"missing required field 'command'; send a JSON object like {_EXAMPLE}"
            )
        if isinstance(raw, str):
            if not raw.strip():
                raise args.error("field 'command' is empty")
            command: str | list[str] = raw
            display = raw
        elif isinstance(raw, list) and all(isinstance(a, str) for a in raw):
            if not raw or not raw[0]:
                raise args.error('field \'command\' must not be empty, e.g. ["ls", "-la"]')
            command = [str(a) for a in raw]
            display = shlex.join(command)
        else:
            raise args.error(
                'field \'command\' must be an array of strings like ["bash", "-lc", "ls"] '
                "or a script string"
            )
        workdir_raw = args.str_("workdir")
        workdir = resolve_path(ctx.cwd, workdir_raw) if workdir_raw else ctx.cwd
        if not workdir.is_dir():
            what = "is not a directory" if workdir.exists() else "does not exist"
            raise args.error(f"workdir {workdir} {what}")
        timeout_ms = args.int_("timeout_ms", default=ctx.default_timeout_ms, minimum=1)
        return to_argv(command), display, workdir, timeout_ms

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        argv, display, workdir, timeout_ms = self._parse(payload, ctx)

        def on_delta(stream: Stream, chunk: str) -> None:
            ctx.emit(
                ExecCommandOutputDelta(
                    turn_id=ctx.turn_id, call_id=ctx.call_id, stream=stream, chunk=chunk
                )
            )

        sink = OutputCollector(
            on_delta, max_keep_bytes=self._max_keep_bytes, max_deltas=self._max_deltas
        )
        ctx.emit(
            ExecCommandBegin(
                turn_id=ctx.turn_id, call_id=ctx.call_id, command=display, cwd=str(workdir)
            )
        )
        started = time.monotonic()

        def end(output: str, exit_code: int | None, status: EndStatus, duration_ms: int) -> None:
            ctx.emit(
                ExecCommandEnd(
                    turn_id=ctx.turn_id,
                    call_id=ctx.call_id,
                    command=display,
                    exit_code=exit_code,
                    duration_ms=duration_ms,
                    aggregated_output=output,
                    status=status,
                )
            )

        try:
            outcome = await run_process(
                ctx.sandbox.wrap(argv, cwd=workdir),
                cwd=workdir,
                env=dict(ctx.env) if ctx.env else None,
                timeout_s=timeout_ms / 1000,
                sink=sink,
                drain_timeout_s=self._drain_timeout_s,
            )
        except asyncio.CancelledError:
            elapsed = int((time.monotonic() - started) * 1000)
            end(sink.text(), None, "aborted", elapsed)
            raise
        except OSError as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            message = f"execution error: {exc.strerror or exc}: {argv[0]}"
            end(message, 127, "failed", elapsed)
            return ToolResult(
                output=format_exec_output(
                    message,
                    exit_code=127,
                    duration_s=elapsed / 1000,
                    max_bytes=ctx.output_limit_bytes,
                ),
                success=False,
            )

        output = sink.text()
        status: EndStatus
        if outcome.timed_out:
            status = "timed_out"
            model_output = f"command timed out after {timeout_ms} ms\n{output}"
        else:
            status = "completed" if outcome.exit_code == 0 else "failed"
            model_output = output
        end(output, outcome.exit_code, status, outcome.duration_ms)
        return ToolResult(
            output=format_exec_output(
                model_output,
                exit_code=outcome.exit_code,
                duration_s=outcome.duration_ms / 1000,
                max_bytes=ctx.output_limit_bytes,
            ),
            success=outcome.exit_code == 0,
        )
