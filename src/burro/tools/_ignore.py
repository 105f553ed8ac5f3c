""".gitignore rules for directory walks: root, ancestors up to the repository, and nested."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec


def _load(directory: Path) -> Any | None:
    try:
        text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(text.splitlines())


def _repo_root(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


class IgnoreRules(msgspec.Struct, frozen=True):
    """A stack of (directory, spec); deeper files override shallower ones, as in git."""

    specs: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def for_root(cls, root: Path) -> IgnoreRules:
        """Rules in force inside ``root``: .gitignore files from the repository root (if
        ``root`` is inside one) down to and including ``root``."""
        chain: list[Path] = [root]
        repo = _repo_root(root)
        if repo is not None and repo != root:
            for parent in root.parents:
                chain.append(parent)
                if parent == repo:
                    break
        rules = cls()
        for directory in reversed(chain):
            rules = rules.enter(directory)
        return rules

    def enter(self, directory: Path) -> IgnoreRules:
        """The rules for the entries of ``directory`` (adds its own .gitignore if any)."""
        spec = _load(directory)
        if spec is None:
            return self
        return IgnoreRules((*self.specs, (str(directory), spec)))

    def ignored(self, path: str, *, is_dir: bool) -> bool:
        """Whether absolute ``path`` is ignored; ``.git`` always is."""
        if os.path.basename(path) == ".git":
            return True
        for base, spec in reversed(self.specs):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if rel.startswith("../"):
                continue
            result = spec.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                return bool(result.include)
        return False
