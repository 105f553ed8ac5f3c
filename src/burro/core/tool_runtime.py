"""Running the model's tool calls: started as soon as each call item completes,
read-only calls in parallel, mutating calls in order, outputs in call order. Commands
and patches pass the gate (sandbox, approvals) first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from burro.core.errors import AbortTurn
from burro.core.guard import gate_call, gate_command, gate_patch, retry_outside_sandbox
from burro.protocol.common import FileChange
from burro.protocol.events import (
    Event,
    ExecCommandBegin,
    ExecCommandEnd,
    PatchApplyBegin,
    PatchApplyEnd,
    ToolCallBegin,
    ToolCallEnd,
    Warning,
)
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCallOutput,
    ToolCallItem,
    ToolOutputItem,
    scrub_surrogates,
)
from burro.sandbox import NoSandbox
from burro.tools import Tool, ToolContext, ToolError, ToolResult

if TYPE_CHECKING:
    from burro.core.state import SessionState

_SHELL_PATCH_NOTE = "\n\nNote: {patch} was run through the shell; call the {patch} tool directly."


def output_item(call: ToolCallItem, result: ToolResult) -> ToolOutputItem:
    # Lone surrogates (undecodable bytes in a path, say) cannot be written to the rollout.
    output = scrub_surrogates(result.output)
    if isinstance(call, CustomToolCall):
        return CustomToolCallOutput(call_id=call.call_id, output=output, success=result.success)
    return FunctionCallOutput(
        call_id=call.call_id, output=output, success=result.success, images=result.images
    )


def aborted_output(call: ToolCallItem, *, elapsed_s: float) -> ToolOutputItem:
    return output_item(
        call, ToolResult(output=f"aborted by user after {elapsed_s:.1f}s", success=False)
    )


class ToolRuntime:
    """One per sampling request: tracks the calls started so far, in order."""

    def __init__(
        self,
        state: SessionState,
        *,
        turn_id: str,
        on_output: Callable[[ToolOutputItem], None] | None = None,
    ) -> None:
        self._state = state
        self._registry = state.registry
        self._turn_id = turn_id
        self._on_output = on_output
        self.calls: list[tuple[ToolCallItem, asyncio.Task[ToolOutputItem], float]] = []
        self._exclusive: list[asyncio.Task[ToolOutputItem]] = []

    def _emit(self, event: Event) -> None:
        self._state.emit(event)

    def start(self, call: ToolCallItem) -> None:
        parallel = self._registry.is_parallel_safe(call.name)
        # A parallel-safe call waits for earlier exclusive calls; an exclusive call
        # waits for every earlier call. Either way earlier mutations happen first.
        waits = list(self._exclusive) if parallel else [t for _, t, _ in self.calls]
        task = asyncio.create_task(self._run(call, waits), name=f"tool:{call.name}:{call.call_id}")
        if self._on_output is not None:
            task.add_done_callback(self._output_ready)
        self.calls.append((call, task, time.monotonic()))
        if not parallel:
            self._exclusive.append(task)

    def _output_ready(self, task: asyncio.Task[ToolOutputItem]) -> None:
        if self._on_output is not None and not task.cancelled() and task.exception() is None:
            self._on_output(task.result())

    async def cancel_all(self) -> None:
        for _, task, _ in self.calls:
            task.cancel()
        await asyncio.gather(*(t for _, t, _ in self.calls), return_exceptions=True)

    async def _run(
        self, call: ToolCallItem, waits: list[asyncio.Task[ToolOutputItem]]
    ) -> ToolOutputItem:
        if waits:
            await asyncio.gather(*waits, return_exceptions=True)
        payload = call.input if isinstance(call, CustomToolCall) else call.arguments
        tool = self._registry.get(call.name)
        if tool is None:
            known = ", ".join(s.name for s in self._registry.specs())
            return output_item(
                call,
                ToolResult(
                    output=f"unknown tool `{call.name}`; available tools: {known}",
                    success=False,
                    status="failed",
                ),
            )
        workdir: Path | None = None
        note = ""
        patcher = self._registry.patch_tool()
        if tool.shell_like and patcher is not None:
            request = tool.command(payload)
            if request is not None and request.patch is not None:
                # `apply_patch <<EOF` through the shell: apply it as the patch tool would.
                payload, wd = request.patch
                if request.workdir:
                    wd = str(Path(request.workdir) / wd) if wd else request.workdir
                workdir = Path(wd) if wd else None
                tool, note = patcher, _SHELL_PATCH_NOTE.format(patch=patcher.name)
        name = tool.name
        ctx = self._state.tool_context(turn_id=self._turn_id, call_id=call.call_id, workdir=workdir)
        ctx.processes = self._state.processes
        ctx.approve_call = lambda request: gate_call(
            self._state, turn_id=self._turn_id, call_id=call.call_id, request=request
        )
        reports = not tool.self_reporting
        started = time.monotonic()
        if reports:
            self._emit(
                ToolCallBegin(
                    turn_id=self._turn_id, call_id=call.call_id, tool=name, arguments=payload
                )
            )
        try:
            if tool.shell_like:
                result = await self._run_command(tool, payload, ctx)
            elif tool.patch_like:
                result = await self._run_patch(tool, payload, ctx)
            else:
                result = await tool.run(payload, ctx)
        except ToolError as exc:
            result = ToolResult(output=str(exc), success=False, status="failed")
        except (asyncio.CancelledError, AbortTurn):
            raise
        except Exception as exc:  # a tool bug must not end the session
            msg = f"tool `{name}` failed unexpectedly: {type(exc).__name__}: {exc}"
            self._emit(Warning(message=msg, turn_id=self._turn_id))
            result = ToolResult(output=msg, success=False, status="failed")
        if note:
            result = msgspec.structs.replace(result, output=result.output + note)
        if reports:
            self._emit(
                ToolCallEnd(
                    turn_id=self._turn_id,
                    call_id=call.call_id,
                    tool=name,
                    output=scrub_surrogates(result.output),  # undecodable file names
                    success=result.success,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
        return output_item(call, result)

    async def _run_command(self, tool: Tool, payload: str, ctx: ToolContext) -> ToolResult:
        """The command gate around a shell-like tool: policy and approval first, then the
        run, then (after a failure that looks like a sandbox denial) maybe a rerun outside
        the sandbox. Everything it needs comes from ``command()`` and the ToolResult."""
        request = tool.command(payload)
        if request is None:  # malformed arguments: the tool explains what it needs
            return await tool.run(payload, ctx)
        command = request.command
        verdict = await gate_command(
            self._state, turn_id=self._turn_id, call_id=ctx.call_id, command=command, cwd=ctx.cwd
        )
        if not verdict.run:
            self._emit(
                ExecCommandBegin(
                    turn_id=self._turn_id,
                    call_id=ctx.call_id,
                    command=request.display,
                    cwd=str(ctx.cwd),
                )
            )
            self._emit(
                ExecCommandEnd(
                    turn_id=self._turn_id,
                    call_id=ctx.call_id,
                    command=request.display,
                    exit_code=None,
                    duration_ms=0,
                    aggregated_output=verdict.message,
                    status="declined",
                )
            )
            return ToolResult(output=verdict.message, success=False, status="declined")
        ctx.sandbox = verdict.sandbox
        result = await tool.run(payload, ctx)
        if result.success or ctx.sandbox.name == "none" or result.exit_code is None:
            return result
        if result.status not in ("completed", "failed"):
            return result
        if await retry_outside_sandbox(
            self._state,
            turn_id=self._turn_id,
            call_id=ctx.call_id,
            command=command,
            cwd=ctx.cwd,
            exit_code=result.exit_code,
            output=result.full_output if result.full_output is not None else result.output,
        ):
            ctx.sandbox = NoSandbox()
            ctx.env = self._state.env
            return await tool.run(payload, ctx)
        return result

    async def _run_patch(self, tool: Tool, payload: str, ctx: ToolContext) -> ToolResult:
        """A patch-like tool previews its patch once and asks this gate before writing."""
        session_cwd = self._state.settings.cwd
        if ctx.cwd != session_cwd:
            # Front ends show paths relative to the session's directory, not the workdir.
            ctx.emit = _rebase_patch_events(ctx.emit, ctx.cwd, session_cwd)

        async def approve(changes: list[FileChange], cwd: Path) -> str | None:
            return await gate_patch(
                self._state, turn_id=self._turn_id, call_id=ctx.call_id, changes=changes, cwd=cwd
            )

        ctx.approve_patch = approve
        return await tool.run(payload, ctx)


def _rebase_patch_events(
    emit: Callable[[Event], None], workdir: Path, base: Path
) -> Callable[[Event], None]:
    import os

    def rebase(path: str | None) -> str | None:
        if path is None:
            return None
        full = Path(path) if Path(path).is_absolute() else workdir / path
        rel = os.path.relpath(full, base)
        return path if rel.startswith("..") else rel

    def wrapped(event: Event) -> None:
        if isinstance(event, PatchApplyBegin | PatchApplyEnd):
            changes = [
                msgspec.structs.replace(
                    c, path=rebase(c.path) or c.path, move_path=rebase(c.move_path)
                )
                for c in event.changes
            ]
            event = msgspec.structs.replace(event, changes=changes)
        emit(event)

    return wrapped
