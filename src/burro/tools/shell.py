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
from burro.tools.base import CommandRequest, ToolBase, ToolContext, ToolResult
from burro.tools.processes import EndStatus
from burro.util.truncate import count_lines, truncate_middle

_SHELLS = frozenset({"bash", "sh", "zsh"})
_SCRIPT_FLAGS = frozenset({"-c", "-lc"})
_EXAMPLE = '{"command": ["bash", "-lc", "ls -la"], "workdir": "."}'

ShellName = Literal["shell", "shell_command"]


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


def workdir_of(args: Args, cwd: Path) -> Path:
    """The call's ``workdir`` (relative to ``cwd``), which must be an existing directory."""
    raw = args.str_("workdir")
    workdir = resolve_path(cwd, raw) if raw else cwd
    if not workdir.is_dir():
        what = "is not a directory" if workdir.exists() else "does not exist"
        raise args.error(f"workdir {workdir} {what}")
    return workdir


def command_request(command: object, workdir: object) -> CommandRequest | None:
    """The gate's view of a ``command`` argument (None when it is malformed)."""
    from burro.tools.apply_patch import extract_shell_patch

    if isinstance(command, list) and command and all(isinstance(w, str) for w in command):
        words = [str(w) for w in command]
        shown = shlex.join(words)
        cmd: str | list[str] = words
    elif isinstance(command, str) and command.strip():
        cmd = shown = command
    else:
        return None
    return CommandRequest(
        command=cmd,
        display=shown,
        workdir=workdir if isinstance(workdir, str) and workdir else None,
        patch=extract_shell_patch(cmd),
    )


def payload_args(payload: str) -> dict[str, object]:
    import msgspec

    try:
        value = msgspec.json.decode(payload.strip() or "{}")
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class ShellTool(ToolBase):
    """Runs commands in their own process group with streamed output. A command runs
    until it exits: ``timeout_ms`` applies only when the model passes one, and the
    ``[shell] max_runtime`` ceiling (ctx.processes) bounds every command."""

    parallel_safe = False
    self_reporting = True
    shell_like = True

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

    def command(self, payload: str) -> CommandRequest | None:
        args = payload_args(payload)
        return command_request(args.get("command"), args.get("workdir"))

    def _parse(self, payload: str, ctx: ToolContext) -> tuple[list[str], str, Path, int | None]:
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
        workdir = workdir_of(args, ctx.cwd)
        timeout_ms: int | None = None
        if args.get("timeout_ms") is not None:
            timeout_ms = args.int_("timeout_ms", default=0, minimum=1)
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

        ceiling = ctx.processes.max_runtime_s
        limit_s = timeout_ms / 1000 if timeout_ms is not None else ceiling
        try:
            outcome = await run_process(
                ctx.sandbox.wrap(argv, cwd=workdir),
                cwd=workdir,
                env=dict(ctx.env) if ctx.env else None,
                timeout_s=limit_s,
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
                status="failed",
                exit_code=127,
                duration_s=elapsed / 1000,
                full_output=message,
            )

        output = sink.text()
        status: EndStatus
        if outcome.timed_out:
            status = "timed_out"
            if timeout_ms is not None:
                model_output = f"command timed out after {timeout_ms} ms\n{output}"
            else:
                model_output = (
                    f"command killed: it reached the [shell] max_runtime limit of "
                    f"{ceiling:g} s\n{output}"
                )
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
            status=status,
            exit_code=outcome.exit_code,
            duration_s=outcome.duration_ms / 1000,
            full_output=output,
        )
