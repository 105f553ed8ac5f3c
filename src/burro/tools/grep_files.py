"""The ``grep_files`` tool: paths of files whose contents match a regex (ripgrep)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args, resolve_path
from burro.tools._exec import kill_group
from burro.tools.base import ToolBase, ToolContext, ToolError, ToolResult

DEFAULT_LIMIT = 100
MAX_LIMIT = 2000
TIMEOUT_S = 30.0
_EXAMPLE = '{"pattern": "def main", "include": "*.py", "path": "src"}'
NO_MATCHES = "No matches found."


def find_ripgrep() -> str | None:
    """``rg`` from this environment (the ripgrep wheel puts it next to python), else PATH."""
    name = "rg.exe" if os.name == "nt" else "rg"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")


def _display(path: str, cwd: Path) -> str:
    absolute = os.path.normpath(os.path.join(cwd, path))
    rel = os.path.relpath(absolute, cwd)
    return absolute if rel.startswith("..") else rel


def _newest_first(paths: list[str], cwd: Path) -> list[str]:
    def mtime(path: str) -> float:
        try:
            return os.stat(os.path.join(cwd, path)).st_mtime
        except OSError:
            return 0.0

    keyed = [(-mtime(p), p) for p in paths]
    keyed.sort()
    return [p for _, p in keyed]


def _one_line(text: str) -> str:
    return " ".join(text.split())


async def _run_rg(rg: str, argv: list[str], *, cwd: Path) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        rg,
        *argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
    except TimeoutError:
        kill_group(proc.pid)
        await proc.wait()
        raise ToolError(
            f"grep_files: search timed out after {int(TIMEOUT_S)} s; "
            "narrow it with 'path' or 'include'"
        ) from None
    except BaseException:
        kill_group(proc.pid)
        raise
    return proc.returncode or 0, out, err


class GrepFilesTool(ToolBase):
    name = "grep_files"
    parallel_safe = True

    def __init__(self, *, rg_path: str | None = None, use_ripgrep: bool = True) -> None:
        self._rg_path = rg_path
        self._use_ripgrep = use_ripgrep

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXAMPLE)
        pattern = args.required_str("pattern")
        if not pattern:
            raise args.error("field 'pattern' must not be empty")
        include = args.str_("include") or None
        raw_path = args.str_("path") or "."
        limit = min(args.int_("limit", default=DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
        target = resolve_path(ctx.cwd, raw_path)
        if not target.exists():
            raise args.error(f"path {target} does not exist")
        rg = (self._rg_path or find_ripgrep()) if self._use_ripgrep else None
        if rg is not None:
            paths = await self._ripgrep(rg, pattern, include, target, ctx.cwd)
        else:
            from burro.tools._grep_fallback import search

            try:
                paths = await asyncio.to_thread(search, pattern, target, include=include)
            except ValueError as exc:
                raise args.error(f"invalid regex: {_one_line(str(exc))}") from None
        if not paths:
            return ToolResult(output=NO_MATCHES)
        shown = [_display(p, ctx.cwd) for p in paths[:limit]]
        if len(paths) > limit:
            shown.append(f"[{len(paths) - limit} more matching files not shown; raise 'limit']")
        return ToolResult(output="\n".join(shown))

    async def _ripgrep(
        self, rg: str, pattern: str, include: str | None, target: Path, cwd: Path
    ) -> list[str]:
        argv = [
            "--no-config",
            "--no-require-git",
            "--files-with-matches",
            "--regexp",
            pattern,
            "--no-messages",
        ]
        if include:
            argv += ["--glob", include]
        argv += ["--", str(target)]
        code, out, err = await _run_rg(rg, argv, cwd=cwd)
        paths = [p for p in out.decode("utf-8", "replace").splitlines() if p]
        if code == 2 and not paths:
            message = _one_line(err.decode("utf-8", "replace")) or "ripgrep failed"
            raise ToolError(f"grep_files: {message.removeprefix('rg: ')}")
        # Sorting inside rg (--sortr=modified) makes it single-threaded; sort the hits here.
        return await asyncio.to_thread(_newest_first, paths, cwd)
