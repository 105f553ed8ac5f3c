"""Running the model's tool calls: started as soon as each call item completes,
read-only calls in parallel, mutating calls in order, outputs in call order. Commands
and patches pass the gate (sandbox, approvals) first."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from burro.core.errors import AbortTurn
from burro.core.guard import (
    display,
    gate_command,
    gate_patch,
    retry_outside_sandbox,
    shell_command,
)
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
)
from burro.sandbox import NoSandbox
from burro.tools import Tool, ToolContext, ToolError, ToolResult

if TYPE_CHECKING:
    from burro.core.state import SessionState

# Tools that emit their own begin/end events (exec command, patch, plan).
_SELF_REPORTING = frozenset(
    {"shell", "shell_command", "container.exec", "apply_patch", "update_plan"}
)
_SHELL_NAMES = frozenset({"shell", "shell_command", "container.exec"})
_SHELL_PATCH_NOTE = (
    "\n\nNote: apply_patch was run through the shell; call the apply_patch tool directly."
)


def output_item(call: ToolCallItem, result: ToolResult) -> ToolOutputItem:
    if isinstance(call, CustomToolCall):
        return CustomToolCallOutput(
            call_id=call.call_id, output=result.output, success=result.success
        )
    return FunctionCallOutput(
        call_id=call.call_id, output=result.output, success=result.success, images=result.images
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
        name = call.name
        workdir: Path | None = None
        note = ""
        if name in _SHELL_NAMES and self._registry.get("apply_patch") is not None:
            shell_patch = _shell_patch(payload)
            if shell_patch is not None:
                payload, wd = shell_patch
                workdir = Path(wd) if wd else None
                name, note = "apply_patch", _SHELL_PATCH_NOTE
        tool = self._registry.get(name)
        if tool is None:
            known = ", ".join(s.name for s in self._registry.specs())
            return output_item(
                call,
                ToolResult(
                    output=f"unknown tool `{name}`; available tools: {known}", success=False
                ),
            )
        ctx = self._state.tool_context(turn_id=self._turn_id, call_id=call.call_id, workdir=workdir)
        reports = name not in _SELF_REPORTING
        started = time.monotonic()
        if reports:
            self._emit(
                ToolCallBegin(
                    turn_id=self._turn_id, call_id=call.call_id, tool=name, arguments=payload
                )
            )
        try:
            if name in _SHELL_NAMES:
                result = await self._run_command(tool, payload, ctx)
            elif name == "apply_patch":
                result = await self._run_patch(tool, payload, ctx)
            else:
                result = await tool.run(payload, ctx)
        except ToolError as exc:
            result = ToolResult(output=str(exc), success=False)
        except (asyncio.CancelledError, AbortTurn):
            raise
        except Exception as exc:  # a tool bug must not end the session
            msg = f"tool `{name}` failed unexpectedly: {type(exc).__name__}: {exc}"
            self._emit(Warning(message=msg, turn_id=self._turn_id))
            result = ToolResult(output=msg, success=False)
        if note:
            result = ToolResult(
                output=result.output + note, success=result.success, images=result.images
            )
        if reports:
            self._emit(
                ToolCallEnd(
                    turn_id=self._turn_id,
                    call_id=call.call_id,
                    tool=name,
                    output=result.output,
                    success=result.success,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
        return output_item(call, result)

    async def _run_command(self, tool: Tool, payload: str, ctx: ToolContext) -> ToolResult:
        command = shell_command(payload)
        if command is None:  # malformed arguments: the tool explains what it needs
            return await tool.run(payload, ctx)
        verdict = await gate_command(
            self._state, turn_id=self._turn_id, call_id=ctx.call_id, command=command, cwd=ctx.cwd
        )
        if not verdict.run:
            shown = display(command)
            self._emit(
                ExecCommandBegin(
                    turn_id=self._turn_id, call_id=ctx.call_id, command=shown, cwd=str(ctx.cwd)
                )
            )
            self._emit(
                ExecCommandEnd(
                    turn_id=self._turn_id,
                    call_id=ctx.call_id,
                    command=shown,
                    exit_code=None,
                    duration_ms=0,
                    aggregated_output=verdict.message,
                    status="declined",
                )
            )
            return ToolResult(output=verdict.message, success=False)
        ctx.sandbox = verdict.sandbox
        ends: list[ExecCommandEnd] = []
        emit = ctx.emit

        def capture(event: Event) -> None:
            if isinstance(event, ExecCommandEnd):
                ends.append(event)
            emit(event)

        ctx.emit = capture
        result = await tool.run(payload, ctx)
        if result.success or ctx.sandbox.name == "none" or not ends:
            return result
        end = ends[-1]
        if end.exit_code is None or end.status not in ("completed", "failed"):
            return result
        if await retry_outside_sandbox(
            self._state,
            turn_id=self._turn_id,
            call_id=ctx.call_id,
            command=command,
            cwd=ctx.cwd,
            exit_code=end.exit_code,
            output=end.aggregated_output,
        ):
            ctx.sandbox = NoSandbox()
            ctx.env = self._state.env
            return await tool.run(payload, ctx)
        return result

    async def _run_patch(self, tool: Tool, payload: str, ctx: ToolContext) -> ToolResult:
        from burro.tools.apply_patch import PatchError, preview_patch

        session_cwd = self._state.settings.cwd
        if ctx.cwd != session_cwd:
            # Front ends show paths relative to the session's directory, not the workdir.
            ctx.emit = _rebase_patch_events(ctx.emit, ctx.cwd, session_cwd)

        text = _patch_text(payload)
        try:
            changes = preview_patch(text, cwd=ctx.cwd)
        except PatchError:
            return await tool.run(payload, ctx)  # the tool reports the error, touching nothing
        refusal = await gate_patch(
            self._state, turn_id=self._turn_id, call_id=ctx.call_id, changes=changes, cwd=ctx.cwd
        )
        if refusal is None:
            return await tool.run(payload, ctx)
        self._emit(
            PatchApplyBegin(
                turn_id=self._turn_id, call_id=ctx.call_id, changes=changes, auto_approved=False
            )
        )
        self._emit(
            PatchApplyEnd(
                turn_id=self._turn_id,
                call_id=ctx.call_id,
                success=False,
                changes=changes,
                stderr=refusal,
            )
        )
        return ToolResult(output=refusal, success=False)


def _rebase_patch_events(
    emit: Callable[[Event], None], workdir: Path, base: Path
) -> Callable[[Event], None]:
    import os

    import msgspec

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


def _patch_text(payload: str) -> str:
    """Freeform payloads are the patch; function payloads are ``{"input": patch}``."""
    stripped = payload.lstrip()
    if stripped.startswith(("{", '"')):
        try:
            value = json.loads(payload)
        except ValueError:
            return payload
        if isinstance(value, dict) and isinstance(value.get("input"), str):
            return str(value["input"])
        if isinstance(value, str):
            return value
    return payload


def _shell_patch(payload: str) -> tuple[str, str | None] | None:
    from burro.tools.apply_patch import extract_shell_patch

    command = shell_command(payload)
    if command is None:
        return None
    found = extract_shell_patch(command)
    if found is None:
        return None
    patch, wd = found
    try:
        base = json.loads(payload).get("workdir")
    except (ValueError, AttributeError):
        base = None
    if isinstance(base, str) and base:
        wd = str(Path(base) / wd) if wd else base
    return patch, wd
