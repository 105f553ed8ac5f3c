"""Workspace snapshots for undo: before a turn, the working tree (tracked and untracked,
.gitignore respected) is written as a git tree object through a private index, so the
user's index, branches and stash are never touched."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import msgspec

from burro.core.git import GitError, repo_root, run_git


class UndoResult(msgspec.Struct, kw_only=True):
    success: bool
    message: str
    restored: list[str] = []


def _git(
    root: Path, *args: str, index: str, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return run_git(root, *args, env={"GIT_INDEX_FILE": index}, input=input)


def _tree(root: Path) -> str | None:
    with tempfile.TemporaryDirectory(prefix="burro-snap-") as tmp:
        index = str(Path(tmp) / "index")
        if _git(root, "add", "-A", "--", ".", index=index).returncode != 0:
            return None
        out = _git(root, "write-tree", index=index)
        return out.stdout.decode().strip() if out.returncode == 0 else None


def take_snapshot(cwd: Path) -> tuple[Path, str] | None:
    """(repository root, tree id) of the workspace now, or None outside a repository."""
    root = repo_root(cwd)
    if root is None:
        return None
    try:
        tree = _tree(root)
    except GitError:
        return None  # no snapshot (undo says so) rather than a failed turn
    return (root, tree) if tree else None


def restore_snapshot(root: Path, tree: str) -> UndoResult:
    """Make the working tree's files equal to ``tree`` again: changed and deleted files
    come back, files created since are removed. Ignored files are left alone."""
    now = _tree(root)
    if now is None:
        return UndoResult(success=False, message="could not read the workspace state")
    if now == tree:
        return UndoResult(
            success=True, message="nothing to undo: no file changed since the snapshot"
        )
    diff = run_git(root, "diff-tree", "-r", "--no-renames", "--name-status", "-z", tree, now)
    fields = diff.stdout.decode(errors="surrogateescape").split("\0")
    changes = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
    back = [path for status, path in changes if status != "A"]
    added = [path for status, path in changes if status == "A"]
    with tempfile.TemporaryDirectory(prefix="burro-undo-") as tmp:
        index = str(Path(tmp) / "index")
        if back:
            if _git(root, "read-tree", tree, index=index).returncode != 0:
                return UndoResult(success=False, message="the snapshot is no longer readable")
            out = _git(
                root,
                "checkout-index",
                "-f",
                "-z",
                "--stdin",
                index=index,
                input="\0".join(back).encode(errors="surrogateescape"),
            )
            if out.returncode != 0:
                return UndoResult(
                    success=False, message=out.stderr.decode(errors="replace").strip()
                )
    for path in added:
        target = root / path
        try:
            target.unlink()
        except OSError:
            continue
        parent = target.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    restored = sorted(back + added)
    return UndoResult(success=True, message=f"restored {len(restored)} file(s)", restored=restored)
