"""The "Review guidelines" sections of AGENTS.md files, from the repository root down
to the working directory: they are handed to the reviewer as rules that take precedence."""

from __future__ import annotations

import re
from pathlib import Path

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NAMES = ("AGENTS.override.md", "AGENTS.md")
MAX_BYTES = 16 * 1024


def _sections(text: str) -> list[str]:
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _HEADING.match(lines[i])
        if m and "review guideline" in m.group(2).lower():
            level = len(m.group(1))
            body: list[str] = []
            i += 1
            while i < len(lines):
                n = _HEADING.match(lines[i])
                if n and len(n.group(1)) <= level:
                    break
                body.append(lines[i])
                i += 1
            if "\n".join(body).strip():
                out.append("\n".join(body).strip())
            continue
        i += 1
    return out


def review_guidelines(cwd: Path, *, root: Path | None) -> str:
    """Every review-guidelines section that applies in ``cwd``, outermost first."""
    cwd = cwd.resolve()
    top = (root or cwd).resolve()
    dirs = [cwd, *cwd.parents]
    chain = list(reversed(dirs[: dirs.index(top) + 1])) if top in dirs else [cwd]
    found: list[str] = []
    for d in chain:
        for name in _NAMES:
            path = d / name
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                found.extend(_sections(text))
                break
    return "\n\n".join(found)[:MAX_BYTES]
