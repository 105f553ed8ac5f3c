"""The ``apply_patch`` tool offered to models (freeform grammar or function form)."""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

from burro.protocol.events import PatchApplyBegin, PatchApplyEnd
from burro.protocol.tools import ToolSpec
from burro.tools.apply_patch.errors import PatchApplyError, PatchError
from burro.tools.base import ToolBase, ToolContext, ToolError, ToolResult
from burro.tools.files import FileAccess

if TYPE_CHECKING:
    from pathlib import Path

    from burro.tools.apply_patch._apply import WriteThrough
    from burro.tools.apply_patch._model import Patch

# How long a write waits for the editor to confirm it (the patch runs in a worker
# thread, which must never wait forever).
EDITOR_WRITE_TIMEOUT_S = 60.0


@functools.cache
def _data(filename: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / filename).read_text(encoding="utf-8")


def patch_text(payload: str) -> str:
    """The patch inside a tool payload: raw text, or JSON arguments ``{"input": ...}``."""
    stripped = payload.strip()
    if stripped.startswith('"'):
        import msgspec

        try:
            value: Any = msgspec.json.decode(stripped)
        except msgspec.DecodeError:
            return payload
        return value if isinstance(value, str) else payload
    if stripped.startswith("{"):
        import msgspec

        try:
            args: Any = msgspec.json.decode(stripped)
        except msgspec.DecodeError:
            return payload
        if isinstance(args, dict):
            value = args.get("input", args.get("patch"))
            if isinstance(value, str):
                return value
            raise ToolError(
                "apply_patch: arguments must be a JSON object with a string field 'input' "
                "holding the patch, from '*** Begin Patch' to '*** End Patch'"
            )
    return payload


class ApplyPatchTool(ToolBase):
    """Edits files with a ``*** Begin Patch`` patch; emits PatchApplyBegin/End.

    The patch is parsed and previewed once (off the event loop); the preview goes to the
    patch gate (``ctx.approve_patch``) before anything is written."""

    name = "apply_patch"
    parallel_safe = False
    self_reporting = True
    patch_like = True

    def spec(self, *, freeform: bool) -> ToolSpec:
        if freeform:
            return ToolSpec(
                name=self.name,
                kind="freeform",
                description=_data("freeform.md").strip(),
                grammar=_data("grammar.lark"),
            )
        import msgspec

        parameters: dict[str, Any] = msgspec.json.decode(_data("input.schema.json"))
        return ToolSpec(
            name=self.name, description=_data("instructions.md").strip(), parameters=parameters
        )

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        # The engine loads on the first patch, not with the tool list at every start.
        from burro.tools.apply_patch._apply import apply_patch, preview_patch
        from burro.tools.apply_patch._parser import parse_patch

        text = patch_text(payload)
        tid, cid = ctx.turn_id, ctx.call_id
        try:
            patch = parse_patch(text)
            buffers = await _buffers(patch, ctx)
            changes = await asyncio.to_thread(preview_patch, patch, cwd=ctx.cwd, buffers=buffers)
        except PatchError as exc:
            message = f"apply_patch verification failed: {exc}"
            ctx.emit(PatchApplyBegin(turn_id=tid, call_id=cid, changes=[]))
            ctx.emit(
                PatchApplyEnd(turn_id=tid, call_id=cid, success=False, changes=[], stderr=message)
            )
            raise ToolError(message) from None
        refusal = await ctx.approve_patch(changes, ctx.cwd)
        if refusal is not None:
            ctx.emit(
                PatchApplyBegin(turn_id=tid, call_id=cid, changes=changes, auto_approved=False)
            )
            ctx.emit(
                PatchApplyEnd(
                    turn_id=tid, call_id=cid, success=False, changes=changes, stderr=refusal
                )
            )
            return ToolResult(output=refusal, success=False, status="declined")
        # Read again: the user may have typed in the editor while the gate waited.
        buffers = await _buffers(patch, ctx)
        write = _write_through(ctx.files, asyncio.get_running_loop())
        ctx.emit(PatchApplyBegin(turn_id=tid, call_id=cid, changes=changes))
        try:
            outcome = await asyncio.to_thread(
                apply_patch, patch, cwd=ctx.cwd, buffers=buffers, write_through=write
            )
        except PatchError as exc:
            applied = exc.applied if isinstance(exc, PatchApplyError) else []
            message = f"apply_patch failed: {exc}"
            ctx.emit(
                PatchApplyEnd(
                    turn_id=tid, call_id=cid, success=False, changes=applied, stderr=message
                )
            )
            raise ToolError(message) from None
        ctx.emit(
            PatchApplyEnd(
                turn_id=tid,
                call_id=cid,
                success=True,
                changes=outcome.changes,
                stdout=outcome.summary,
            )
        )
        return ToolResult(output=outcome.summary)


async def _buffers(patch: Patch, ctx: ToolContext) -> dict[str, bytes]:
    """The files the patch reads, as the user's editor holds them (unsaved edits
    included); files the editor has no copy of are read from the disk."""
    from burro.tools.apply_patch._apply import buffer_paths

    out: dict[str, bytes] = {}
    for path in buffer_paths(patch, cwd=ctx.cwd):
        text = await ctx.files.read_text(path)
        if text is not None:
            out[str(path)] = text.encode("utf-8", "replace")
    return out


def _write_through(files: FileAccess, loop: asyncio.AbstractEventLoop) -> WriteThrough:
    """Writes from the patch's worker thread, sent to ``files`` on the event loop."""

    def write(path: Path, data: bytes) -> bool:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False  # not text an editor can hold: the disk takes it
        future = asyncio.run_coroutine_threadsafe(files.write_text(path, text), loop)
        try:
            return future.result(timeout=EDITOR_WRITE_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise OSError(
                f"the editor did not confirm the write within {EDITOR_WRITE_TIMEOUT_S:g} s"
            ) from None

    return write
