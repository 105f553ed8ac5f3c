"""Which lines a change touches: the new-side lines of each hunk of a unified diff.
A finding is "in the change" when its lines overlap a hunk; an inline comment is
anchored inside one hunk (GitHub refuses lines outside the diff)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from burro.review.findings import Finding, ReviewOutput

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass
class DiffScope:
    """file -> inclusive new-side line ranges of its hunks; file -> added lines."""

    hunks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    added: dict[str, set[int]] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return sorted(self.hunks)

    def anchor(self, finding: Finding) -> tuple[int, int] | None:
        """The finding's line range clipped to the first hunk it overlaps, or None."""
        for lo, hi in self.hunks.get(finding.file, ()):
            start, end = max(lo, finding.start), min(hi, finding.end)
            if start <= end:
                return start, end
        return None


def _path(header: str) -> str | None:
    name = header[4:].rstrip("\n").split("\t")[0]
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        name = name.encode("latin-1", "replace").decode("utf-8", "replace")
    return name[2:] if name.startswith("b/") else name


def parse_diff(text: str) -> DiffScope:
    scope = DiffScope()
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
                    scope.hunks.setdefault(current, []).append((line_no, line_no + count - 1))
            elif line.startswith("diff "):
                current = None
            continue
        if current is None or line.startswith("\\"):
            continue
        if line.startswith("+"):
            scope.added.setdefault(current, set()).add(line_no)
            line_no += 1
            remaining -= 1
        elif line.startswith(" ") or line == "":
            line_no += 1
            remaining -= 1
        # "-" lines are old-side only
    return scope


def confine(output: ReviewOutput, scope: DiffScope) -> ReviewOutput:
    """Findings whose lines lie outside the change move to ``outside``."""
    inside: list[Finding] = []
    outside = list(output.outside)
    for f in output.findings:
        (inside if scope.anchor(f) is not None else outside).append(f)
    return ReviewOutput(findings=inside, verdict=output.verdict, outside=outside)
