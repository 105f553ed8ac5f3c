"""Which lines a change touches: the new-side lines of each hunk of a unified diff, and
findings set apart when they lie outside them."""

from __future__ import annotations

import re

from burro.protocol.review import DiffScope, Finding, ReviewOutput

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _path(header: str) -> str | None:
    name = header[4:].rstrip("\n").split("\t")[0]
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        name = name.encode("latin-1", "replace").decode("utf-8", "replace")
    return name[2:] if name.startswith("b/") else name


def _walk(text: str) -> tuple[dict[str, list[tuple[int, int]]], dict[str, set[int]]]:
    hunks: dict[str, list[tuple[int, int]]] = {}
    added: dict[str, set[int]] = {}
    current: str | None = None
    line_no = 0
    remaining = 0
    for line in text.splitlines():
        if remaining <= 0:
            if line.startswith("+++ "):
                current = _path(line)
                continue
            m = _HUNK.match(line)
            if m and current is not None:
                line_no = int(m.group(1))
                count = int(m.group(2)) if m.group(2) is not None else 1
                remaining = count
                if count:
                    hunks.setdefault(current, []).append((line_no, line_no + count - 1))
            elif line.startswith("diff "):
                current = None
            continue
        if current is None or line.startswith("\\"):
            continue
        if line.startswith("+"):
            added.setdefault(current, set()).add(line_no)
            line_no += 1
            remaining -= 1
        elif line.startswith(" ") or line == "":
            line_no += 1
            remaining -= 1
        # "-" lines are old-side only
    return hunks, added


def parse_diff(text: str) -> DiffScope:
    """The hunks of a unified diff (new side), per file."""
    return DiffScope(hunks=_walk(text)[0])


def added_lines(text: str) -> dict[str, set[int]]:
    """file -> the new-side line numbers a unified diff adds."""
    return _walk(text)[1]


def confine(output: ReviewOutput, scope: DiffScope) -> ReviewOutput:
    """Findings whose lines lie outside the change move to ``outside``."""
    inside: list[Finding] = []
    outside = list(output.outside)
    for f in output.findings:
        (inside if scope.anchor(f) is not None else outside).append(f)
    return ReviewOutput(findings=inside, verdict=output.verdict, outside=outside)
