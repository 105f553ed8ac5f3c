"""The ``read_file`` tool: numbered lines of a text file, paged by offset and limit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args, resolve_path
from burro.tools._bounded import DEFAULT_IO_TIMEOUT_S, call_bounded
from burro.tools.base import ToolBase, ToolContext, ToolError, ToolResult

MAX_LINE_CHARS = 500
MAX_OUTPUT_BYTES = 256 * 1024
DEFAULT_LIMIT = 2000
_BINARY_SNIFF = 8192
_LINE_READ = 64 * 1024
_EXAMPLE = '{"file_path": "src/main.py", "offset": 1, "limit": 200}'


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ToolError(f"read_file: file not found: {path}")
    if path.is_dir():
        raise ToolError(f"read_file: {path} is a directory; use list_dir to see its contents")
    if not path.is_file():
        raise ToolError(f"read_file: {path} is not a regular file")


def _line_heads(f: BinaryIO) -> Iterator[bytes]:
    """Each line's first bytes (enough for MAX_LINE_CHARS), without holding a huge line."""
    while raw := f.readline(_LINE_READ):
        if len(raw) == _LINE_READ and not raw.endswith(b"\n"):
            while (rest := f.readline(_LINE_READ)) and not rest.endswith(b"\n"):
                pass
        yield raw


def read_lines(path: Path, *, offset: int, limit: int, max_bytes: int = MAX_OUTPUT_BYTES) -> str:
    """Render lines ``offset .. offset+limit-1`` of ``path`` as ``L{n}: text``."""
    _check_file(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise ToolError(f"read_file: cannot open {path}: {exc.strerror or exc}") from None
    return render_lines(f, path, offset=offset, limit=limit, max_bytes=max_bytes)


def render_lines(
    f: BinaryIO, path: Path, *, offset: int, limit: int, max_bytes: int = MAX_OUTPUT_BYTES
) -> str:
    """The lines of an open file (closed here), as :func:`read_lines` shows them."""
    with f:
        if b"\0" in f.read(_BINARY_SNIFF):
            raise ToolError(
                f"read_file: {path} looks like a binary file (it contains NUL bytes); "
                "read_file only shows text"
            )
        f.seek(0)
        out: list[str] = []
        used = 0
        n = 0
        stop_note = ""
        for n, raw in enumerate(_line_heads(f), start=1):
            if n < offset:
                continue
            if n >= offset + limit:
                stop_note = f"[more lines follow; call read_file with offset={n} to continue]"
                break
            text = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", "replace")
            if len(text) > MAX_LINE_CHARS:
                text = text[:MAX_LINE_CHARS]
            entry = f"L{n}: {text}"
            size = len(entry.encode("utf-8")) + 1
            if out and used + size > max_bytes:
                stop_note = (
                    f"[output capped at {max_bytes // 1024} KiB; "
                    f"call read_file with offset={n} to continue]"
                )
                break
            used += size
            out.append(entry)
        else:
            if not out and n < offset:
                if n == 0:
                    if offset == 1:
                        return "(empty file)"
                    raise ToolError(f"read_file: offset {offset} is past the end: {path} is empty")
                raise ToolError(
                    f"read_file: offset {offset} is past the end of {path}, which has {n} lines"
                )
    if stop_note:
        out.append(stop_note)
    return "\n".join(out)


class ReadFileTool(ToolBase):
    name = "read_file"
    parallel_safe = True

    def __init__(self, *, io_timeout_s: float = DEFAULT_IO_TIMEOUT_S) -> None:
        self._io_timeout_s = io_timeout_s

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXAMPLE)
        path = resolve_path(ctx.cwd, args.required_str("file_path"))
        offset = args.int_("offset", default=1, minimum=1)
        limit = args.int_("limit", default=DEFAULT_LIMIT, minimum=1)
        text = await ctx.files.read_text(path)
        if text is not None:  # the editor's copy, unsaved edits included
            buffer = io.BytesIO(text.encode("utf-8", "replace"))
            return ToolResult(output=render_lines(buffer, path, offset=offset, limit=limit))
        output = await call_bounded(
            lambda: read_lines(path, offset=offset, limit=limit),
            timeout_s=self._io_timeout_s,
            what=f"read_file: reading {path}",
        )
        return ToolResult(output=output)
