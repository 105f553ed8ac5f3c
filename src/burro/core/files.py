"""File search in the workspace (git's view when in a repository): what `@` completion
and editors' file pickers use."""

from __future__ import annotations

import os
from pathlib import Path

from burro.core.git import tracked_and_untracked

MAX_FILES = 20_000
SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".mypy_cache", "target", "dist"}


class FileIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = self._git_files() or self._walk()
        return self._files

    def invalidate(self) -> None:
        self._files = None

    def _git_files(self) -> list[str] | None:
        files = tracked_and_untracked(self.root)
        return None if files is None else files[:MAX_FILES]

    def _walk(self) -> list[str]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
            rel = os.path.relpath(dirpath, self.root)
            for name in filenames:
                found.append(name if rel == "." else f"{rel}/{name}")
                if len(found) >= MAX_FILES:
                    return sorted(found)
        return sorted(found)

    def search(self, query: str, *, limit: int = 8) -> list[str]:
        """Paths matching ``query``: name prefix first, then substring, then subsequence."""
        q = query.lower()
        scored: list[tuple[int, int, str]] = []
        for path in self.files():
            low = path.lower()
            name = low.rsplit("/", 1)[-1]
            if not q or name.startswith(q) or low.startswith(q):
                rank = 0
            elif q in low:
                rank = 1
            elif _subsequence(q, low):
                rank = 2
            else:
                continue
            scored.append((rank, len(path), path))
        scored.sort()
        return [p for _, _, p in scored[:limit]]


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)
