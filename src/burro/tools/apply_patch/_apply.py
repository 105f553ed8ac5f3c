"""Apply a parsed patch to files under a working directory.

Operations run in order. Each one is verified first: its new content is computed in
memory, and only then written, atomically (temporary file in the same directory +
os.replace, keeping permission bits). When an operation fails, the operations before
it stay applied and its own target is left untouched.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from burro.protocol.common import FileChange
from burro.tools.apply_patch._diff import regions_from_edits, unified_diff, whole_file_diff
from burro.tools.apply_patch._model import AddFile, Chunk, DeleteFile, Operation, Patch, UpdateFile
from burro.tools.apply_patch._parser import parse_patch
from burro.tools.apply_patch._text import FileText
from burro.tools.apply_patch.errors import PatchApplyError

Edit = tuple[int, int, Sequence[str]]


@dataclass(frozen=True, slots=True)
class PatchOutcome:
    """What an applied patch changed, and the summary shown to the model and user."""

    changes: list[FileChange]
    summary: str


@dataclass(slots=True)
class _Plan:
    change: FileChange
    write: tuple[Path, bytes, int | None] | None = None  # target, data, mode to keep
    remove: Path | None = None


# Writes a file where the user sees it (the editor); False: write the disk instead.
WriteThrough = Callable[[Path, bytes], bool]


@dataclass(slots=True)
class _Workspace:
    """The files a patch sees. A dry run records writes in ``overlay`` instead of on disk.
    ``buffers`` are files as the user's editor holds them (read before the disk);
    ``write_through`` sends writes to that editor."""

    cwd: Path
    dry_run: bool
    overlay: dict[str, bytes | None] = field(default_factory=dict)
    buffers: dict[str, bytes] = field(default_factory=dict)
    write_through: WriteThrough | None = None

    def path(self, rel: str) -> Path:
        return self.cwd / rel

    def _key(self, p: Path) -> str:
        return os.path.normpath(os.path.abspath(p))

    def kind(self, p: Path) -> str:
        """'file', 'dir', 'missing' or 'other' (fifo, socket, device...)."""
        key = self._key(p)
        if key in self.overlay:
            return "missing" if self.overlay[key] is None else "file"
        if key in self.buffers:
            return "file"
        if self.overlay:
            parent = os.path.dirname(key)
            while parent != os.path.dirname(parent):
                if self.overlay.get(parent) is not None:
                    return "other"  # below a file written earlier in this dry run
                parent = os.path.dirname(parent)
        try:
            st = p.stat()
        except FileNotFoundError:
            return "missing"
        if stat.S_ISREG(st.st_mode):
            return "file"
        return "dir" if stat.S_ISDIR(st.st_mode) else "other"

    def read(self, p: Path) -> bytes:
        key = self._key(p)
        data = self.overlay.get(key, self.buffers.get(key))
        return data if data is not None else p.read_bytes()

    def mode(self, p: Path) -> int | None:
        try:
            return stat.S_IMODE(p.stat().st_mode)
        except OSError:
            return None

    def commit(self, plan: _Plan) -> None:
        if self.dry_run:
            if plan.write is not None:
                self.overlay[self._key(plan.write[0])] = plan.write[1]
            if plan.remove is not None:
                self.overlay[self._key(plan.remove)] = None
            return
        change = plan.change
        if plan.write is not None:
            shown = change.move_path or change.path
            try:
                self._write(*plan.write)
            except (OSError, ValueError) as exc:
                raise _fail(f"Failed to write file {shown}: {_os_reason(exc)}", shown) from None
        if plan.remove is not None:
            self.buffers.pop(self._key(plan.remove), None)
            try:
                plan.remove.unlink()
            except (OSError, ValueError) as exc:
                if plan.write is None:
                    msg = f"Failed to delete file {change.path}: {_os_reason(exc)}"
                    raise _fail(msg, change.path) from None
                msg = f"Failed to remove original {change.path}: {_os_reason(exc)}"
                # The destination was written: report that change as applied.
                raise PatchApplyError(msg, path=change.path, applied=[change]) from None

    def _write(self, target: Path, data: bytes, mode: int | None) -> None:
        if self.write_through is not None and self.write_through(target, data):
            self.buffers[self._key(target)] = data  # later operations see the editor's copy
            return
        _atomic_write(target, data, mode)


def _atomic_write(target: Path, data: bytes, mode: int | None) -> None:
    import secrets

    if target.is_symlink():
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name[:180]}.{secrets.token_hex(6)}.tmp"
    # 0o666 filtered by the umask, like any newly created file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fail(message: str, path: str) -> PatchApplyError:
    return PatchApplyError(message, path=path)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _find_edits(text: FileText, chunks: Sequence[Chunk], path: str) -> list[Edit]:
    edits: list[Edit] = []
    cursor = 0
    for chunk in chunks:
        anchor_at: int | None = None
        if chunk.anchor is not None:
            anchor_at = text.seek([chunk.anchor], cursor)
            if anchor_at is None:
                raise _fail(f"Failed to find context '{chunk.anchor}' in {path}", path)
            cursor = anchor_at + 1
        old: Sequence[str] = chunk.old_lines
        new: Sequence[str] = chunk.new_lines
        if not old:
            # Pure insertion: right after the anchor if there is one, else at the end.
            at = cursor if anchor_at is not None else len(text.lines)
            edits.append((at, 0, new))
            continue
        found = text.seek(old, cursor, eof=chunk.end_of_file)
        if found is None and anchor_at is not None:
            # The anchor line repeated as the first context line.
            found = text.seek(old, anchor_at, eof=chunk.end_of_file)
        if found is None and old[-1] == "" and len(old) > 1:
            old = old[:-1]
            if new and new[-1] == "":
                new = new[:-1]
            found = text.seek(old, cursor, eof=chunk.end_of_file)
        if found is None:
            lines = "\n".join(chunk.old_lines)
            raise _fail(f"Failed to find expected lines in {path}:\n{lines}", path)
        if chunk.context:
            # Context lines keep the file's text (they may have matched only fuzzily).
            new = [
                text.lines[found + k] if 0 <= k < len(old) else line
                for line, k in zip(new, chunk.context, strict=False)
            ]
        edits.append((found, len(old), new))
        cursor = found + len(old)
    edits.sort(key=lambda e: e[0])
    for (s1, n1, _), (s2, _, _) in itertools.pairwise(edits):
        if s1 + n1 > s2:
            raise _fail(f"Chunks overlap in {path} near line {s2 + 1}", path)
    return edits


def _plan_add(op: AddFile, ws: _Workspace) -> _Plan:
    target = ws.path(op.path)
    if ws.kind(target) in ("dir", "other"):
        raise _fail(f"Failed to write file {op.path}: path is not a regular file", op.path)
    data = op.contents.encode("utf-8")
    lines = op.contents.split("\n")[:-1]
    change = FileChange(path=op.path, kind="add", unified_diff=whole_file_diff([], lines))
    mode = ws.mode(target) if ws.kind(target) == "file" else None
    return _Plan(change, write=(target, data, mode))


def _plan_delete(op: DeleteFile, ws: _Workspace) -> _Plan:
    target = ws.path(op.path)
    kind = ws.kind(target)
    if kind == "missing":
        raise _fail(f"Failed to delete file {op.path}: file does not exist", op.path)
    if kind == "dir":
        raise _fail(f"Failed to delete file {op.path}: path is a directory", op.path)
    if kind != "file":
        raise _fail(f"Failed to delete file {op.path}: not a regular file", op.path)
    diff = whole_file_diff(FileText.decode(ws.read(target)).lines, [])
    return _Plan(FileChange(path=op.path, kind="delete", unified_diff=diff), remove=target)


def _plan_update(op: UpdateFile, ws: _Workspace) -> _Plan:
    source = ws.path(op.path)
    kind = ws.kind(source)
    if kind == "missing":
        raise _fail(f"Failed to read file to update {op.path}: file does not exist", op.path)
    if kind != "file":
        raise _fail(f"Failed to update {op.path}: path is not a regular file", op.path)
    text = FileText.decode(ws.read(source))
    edits = _find_edits(text, op.chunks, op.path)
    new_text = text.replace(edits)
    data = new_text.encode()
    diff = unified_diff(text.lines, new_text.lines, regions_from_edits(text.lines, edits))
    change = FileChange(path=op.path, kind="update", move_path=op.move_to, unified_diff=diff)
    target, remove = source, None
    if op.move_to is not None:
        target = ws.path(op.move_to)
        if ws.kind(target) in ("dir", "other"):
            raise _fail(
                f"Failed to move {op.path} to {op.move_to}: destination is not a regular file",
                op.path,
            )
        if os.path.normpath(os.path.abspath(target)) != os.path.normpath(os.path.abspath(source)):
            remove = source
    return _Plan(change, write=(target, data, ws.mode(source)), remove=remove)


def _plan(op: Operation, ws: _Workspace) -> _Plan:
    try:
        if isinstance(op, AddFile):
            return _plan_add(op, ws)
        if isinstance(op, DeleteFile):
            return _plan_delete(op, ws)
        return _plan_update(op, ws)
    except (OSError, ValueError) as exc:
        raise _fail(f"Failed to read {op.path}: {_os_reason(exc)}", op.path) from None


def _run(patch: Patch, ws: _Workspace) -> list[FileChange]:
    applied: list[FileChange] = []
    for op in patch.operations:
        try:
            plan = _plan(op, ws)
            ws.commit(plan)
        except PatchApplyError as exc:
            exc.applied = applied + exc.applied
            raise
        applied.append(plan.change)
    return applied


def _as_patch(patch: str | Patch) -> Patch:
    return parse_patch(patch) if isinstance(patch, str) else patch


def preview_patch(
    text: str | Patch, *, cwd: Path, buffers: dict[str, bytes] | None = None
) -> list[FileChange]:
    """The changes ``text`` would make under ``cwd``, with diffs; nothing is written.
    ``buffers``: files as the user's editor holds them, by absolute path.

    Raises PatchError exactly when applying would fail."""
    ws = _Workspace(Path(cwd), dry_run=True, buffers=_keyed(buffers))
    return _run(_as_patch(text), ws)


def summarize(changes: Sequence[FileChange]) -> str:
    """'Success. Updated the following files:' then A, M and D lines, in that order."""
    lines = ["Success. Updated the following files:"]
    for kind, letter in (("add", "A"), ("update", "M"), ("delete", "D")):
        lines.extend(f"{letter} {c.move_path or c.path}" for c in changes if c.kind == kind)
    return "\n".join(lines)


def apply_patch(
    text: str | Patch,
    *,
    cwd: Path,
    buffers: dict[str, bytes] | None = None,
    write_through: WriteThrough | None = None,
) -> PatchOutcome:
    """Apply ``text`` under ``cwd``. Raises PatchError; earlier operations stay applied.

    ``buffers`` are read before the disk, and file contents are written through
    ``write_through`` when it takes them (the user's editor); deletes, and the source
    of a move, are always removed from the disk."""
    ws = _Workspace(Path(cwd), dry_run=False, buffers=_keyed(buffers), write_through=write_through)
    changes = _run(_as_patch(text), ws)
    return PatchOutcome(changes=changes, summary=summarize(changes))


def _keyed(buffers: dict[str, bytes] | None) -> dict[str, bytes]:
    return {os.path.normpath(os.path.abspath(k)): v for k, v in (buffers or {}).items()}


def buffer_paths(patch: Patch, *, cwd: Path) -> list[Path]:
    """The existing files ``patch`` reads (updates, deletes): those worth asking the
    user's editor for."""
    return [Path(cwd) / op.path for op in patch.operations if not isinstance(op, AddFile)]
