"""Running the model's tool calls: started as soon as each call item completes,
read-only calls in parallel, mutating calls in order, outputs in call order."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

from burro.protocol.events import Event, ToolCallBegin, ToolCallEnd, Warning
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    ToolCallItem,
    ToolOutputItem,
)
from burro.tools import ToolContext, ToolError, ToolRegistry, ToolResult

# Tools that emit their own begin/end events (exec command, patch, plan).
_SELF_REPORTING = frozenset({"shell", "apply_patch", "update_plan"})
_SHELL_PATCH_NOTE = (
    "\n\nNote: apply_patch was run through the shell; call the apply_patch tool directly."
)

ContextFactory = Callable[[str, Path | None], ToolContext]


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
        registry: ToolRegistry,
        *,
        make_context: ContextFactory,
        emit: Callable[[Event], None],
        turn_id: str,
        on_output: Callable[[ToolOutputItem], None] | None = None,
    ) -> None:
        self._registry = registry
        self._make_context = make_context
        self._emit = emit
        self._turn_id = turn_id
        self._on_output = on_output
        self.calls: list[tuple[ToolCallItem, asyncio.Task[ToolOutputItem], float]] = []
        self._exclusive: list[asyncio.Task[ToolOutputItem]] = []

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
        if name == "shell" and self._registry.get("apply_patch") is not None:
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
        ctx = self._make_context(call.call_id, workdir)
        reports = name not in _SELF_REPORTING
        started = time.monotonic()
        if reports:
            self._emit(
                ToolCallBegin(
                    turn_id=self._turn_id, call_id=call.call_id, tool=name, arguments=payload
                )
            )
        try:
            result = await tool.run(payload, ctx)
        except ToolError as exc:
            result = ToolResult(output=str(exc), success=False)
        except asyncio.CancelledError:
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


def _shell_patch(payload: str) -> tuple[str, str | None] | None:
    from burro.tools.apply_patch import extract_shell_patch

    try:
        args = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(args, dict):
        return None
    command = args.get("command")
    if not isinstance(command, str | list):
        return None
    found = extract_shell_patch(command)
    if found is None:
        return None
    patch, wd = found
    base = args.get("workdir")
    if isinstance(base, str) and base:
        wd = str(Path(base) / wd) if wd else base
    return patch, wd


def is_call(item: object) -> bool:
    return isinstance(item, FunctionCall | CustomToolCall)
