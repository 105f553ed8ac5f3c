"""Pure-Python file search used when no ``rg`` binary is available.

Mirrors ripgrep's defaults closely enough: .gitignore honoured, hidden and binary files
skipped, results newest first."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
from pathlib import Path

from burro.tools._ignore import IgnoreRules

_SNIFF = 8192


def _glob_matcher(include: str | None) -> re.Pattern[str] | None:
    if not include:
        return None
    # A glob without a slash applies to the file name anywhere (like rg --glob).
    expanded = _expand_braces(include)
    regexes = [fnmatch.translate(g.removeprefix("**/")) for g in expanded]
    return re.compile("|".join(f"(?:{r})" for r in regexes))


def _expand_braces(glob: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", glob)
    if match is None:
        return [glob]
    head, tail = glob[: match.start()], glob[match.end() :]
    out: list[str] = []
    for option in match.group(1).split(","):
        out.extend(_expand_braces(head + option + tail))
    return out


def _file_matches(path: str, regex: re.Pattern[bytes]) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    if b"\0" in data[:_SNIFF]:
        return False
    return regex.search(data) is not None


def search(pattern: str, target: Path, *, include: str | None = None) -> list[str]:
    """Absolute paths of files under ``target`` whose bytes match ``pattern``, newest first.

    Raises ValueError for an invalid regex."""
    try:
        regex = re.compile(pattern.encode("utf-8"), re.MULTILINE)
    except re.error as exc:
        raise ValueError(str(exc)) from None
    glob = _glob_matcher(include)
    hits: list[tuple[float, str]] = []

    def consider(path: str, rel: str) -> None:
        if glob is not None and not (glob.fullmatch(rel) or glob.fullmatch(os.path.basename(rel))):
            return
        if _file_matches(path, regex):
            with contextlib.suppress(OSError):
                hits.append((os.stat(path).st_mtime, path))

    if target.is_file():
        consider(str(target), target.name)
    else:
        stack: list[tuple[str, IgnoreRules]] = [(str(target), IgnoreRules.for_root(target))]
        while stack:
            directory, rules = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                if rules.ignored(entry.path, is_dir=is_dir):
                    continue
                if is_dir:
                    stack.append((entry.path, rules.enter(Path(entry.path))))
                elif entry.is_file(follow_symlinks=False):
                    consider(entry.path, os.path.relpath(entry.path, target).replace(os.sep, "/"))
    hits.sort(key=lambda h: (-h[0], h[1]))
    return [p for _, p in hits]
