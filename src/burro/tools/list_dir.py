"""The ``list_dir`` tool: a sorted, .gitignore-aware tree of a directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from burro.protocol.items import scrub_surrogates
from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args, resolve_path
from burro.tools._bounded import DEFAULT_IO_TIMEOUT_S, call_bounded
from burro.tools._ignore import IgnoreRules
from burro.tools.base import ToolBase, ToolContext, ToolError, ToolResult

DEFAULT_LIMIT = 200
DEFAULT_DEPTH = 2
MAX_NAME_CHARS = 500
_EXAMPLE = '{"dir_path": ".", "depth": 2}'


def _scan(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _walk(
    directory: str, rules: IgnoreRules, level: int, depth: int
) -> Iterator[tuple[int, str, str]]:
    """Yield ``(level, name, suffix)`` in tree order."""
    for entry in _scan(directory):
        try:
            is_link = entry.is_symlink()
            is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            is_file = not is_link and entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if rules.ignored(entry.path, is_dir=is_dir):
            continue
        suffix = "@" if is_link else "/" if is_dir else "" if is_file else "?"
        yield level, entry.name, suffix
        if is_dir and level + 1 < depth:
            yield from _walk(entry.path, rules.enter(Path(entry.path)), level + 1, depth)


def list_tree(root: Path, *, offset: int, limit: int, depth: int) -> str:
    if not root.exists():
        raise ToolError(f"list_dir: directory not found: {root}")
    if not root.is_dir():
        raise ToolError(f"list_dir: {root} is not a directory; use read_file to read a file")
    rules = IgnoreRules.for_root(root)
    lines = [scrub_surrogates(f"Absolute path: {root}")]
    wanted_end = offset - 1 + limit
    index = 0
    more = False
    for index, (level, name, suffix) in enumerate(_walk(str(root), rules, 0, depth), start=1):
        if index < offset:
            continue
        if index > wanted_end:
            more = True
            break
        # Undecodable bytes of a name come back as U+FFFD (never as lone surrogates).
        shown = scrub_surrogates(name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS])
        lines.append(f"{'  ' * level}{shown}{suffix}")
    if offset > 1 and index < offset:
        raise ToolError(
            f"list_dir: offset {offset} is past the last entry ({index} entries at depth {depth})"
        )
    if more:
        lines.append(
            f"More than {wanted_end} entries found; call list_dir with offset={wanted_end + 1} "
            "to see more"
        )
    return "\n".join(lines)


class ListDirTool(ToolBase):
    name = "list_dir"
    parallel_safe = True

    def __init__(self, *, io_timeout_s: float = DEFAULT_IO_TIMEOUT_S) -> None:
        self._io_timeout_s = io_timeout_s

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXAMPLE)
        raw = args.str_("dir_path", default=".")
        root = resolve_path(ctx.cwd, raw or ".")
        offset = args.int_("offset", default=1, minimum=1)
        limit = args.int_("limit", default=DEFAULT_LIMIT, minimum=1)
        depth = args.int_("depth", default=DEFAULT_DEPTH, minimum=1)
        output = await call_bounded(
            lambda: list_tree(root, offset=offset, limit=limit, depth=depth),
            timeout_s=self._io_timeout_s,
            what=f"list_dir: listing {root}",
        )
        return ToolResult(output=output)
