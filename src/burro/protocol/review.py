"""Review types: what a review looks at (its target), what it produced (findings and a
verdict), and which lines the change covers. One definition, shared by the core's
``Review`` op, ``burro review``, ``/review``, the GitHub bot and the app-server."""

from __future__ import annotations

from typing import Literal

import msgspec

Priority = Literal[0, 1, 2, 3]
PRIORITY_NAMES = ("P0", "P1", "P2", "P3")


# ---------------------------------------------------------------- targets


class Uncommitted(msgspec.Struct, tag_field="type", tag="uncommitted", kw_only=True):
    """Staged, unstaged and untracked changes of the working tree."""


class BaseBranch(msgspec.Struct, tag_field="type", tag="base_branch", kw_only=True):
    """This branch (with uncommitted work) against its merge base with ``branch``."""

    branch: str


class Commit(msgspec.Struct, tag_field="type", tag="commit", kw_only=True, omit_defaults=True):
    sha: str
    title: str | None = None


class Range(msgspec.Struct, tag_field="type", tag="range", kw_only=True, omit_defaults=True):
    """A pull request: ``base..head`` (``since..head`` when only new commits count)."""

    base: str
    head: str
    number: int = 0
    title: str = ""
    repo: str = ""
    description: str = ""
    since: str | None = None


class Custom(msgspec.Struct, tag_field="type", tag="custom", kw_only=True):
    """Free-form review instructions; its findings are not confined to a diff."""

    instructions: str


ReviewTarget = Uncommitted | BaseBranch | Commit | Range | Custom


# ---------------------------------------------------------------- output


def bare_title(title: str) -> str:
    """``[P1] Off by one`` -> ``Off by one``."""
    t = title.strip()
    if len(t) >= 4 and t[0] == "[" and t[3] == "]" and t[1] in "Pp" and t[2] in "0123":
        return t[4:].strip()
    return t


def parse_priority(text: str) -> int:
    """``P0``..``P3`` (any case) or ``0``..``3`` -> 0..3; ValueError otherwise."""
    t = text.strip().upper().removeprefix("P")
    if t in ("0", "1", "2", "3"):
        return int(t)
    raise ValueError(f"not a priority: {text!r} (use P0, P1, P2 or P3)")


class Finding(msgspec.Struct, kw_only=True, frozen=True):
    """One problem the reviewer found. ``file`` is relative to the repository root;
    lines are 1-based and inclusive, on the new side of the change."""

    title: str
    body: str
    priority: Priority
    confidence: float
    file: str
    start: int
    end: int

    @property
    def tag(self) -> str:
        return PRIORITY_NAMES[self.priority]

    def key(self) -> str:
        """What identifies a finding across reviews of the same pull request (the bot
        never repeats one): file, priority and the title without its tag, lower-cased."""
        return f"{self.file}|{self.priority}|{bare_title(self.title).lower()}"


class Verdict(msgspec.Struct, kw_only=True, frozen=True):
    correct: bool
    explanation: str
    confidence: float


class ReviewOutput(msgspec.Struct, kw_only=True, frozen=True):
    """What a review produced. ``outside`` holds findings whose lines lie outside the
    change: they are shown apart (summary), never as comments on the change."""

    findings: list[Finding]
    verdict: Verdict
    outside: list[Finding] = msgspec.field(default_factory=list)

    def at_or_above(self, priority: int) -> list[Finding]:
        """Findings (inside the change) of ``priority`` or more urgent (P0 is 0)."""
        return [f for f in self.findings if f.priority <= priority]


class DiffScope(msgspec.Struct, kw_only=True, frozen=True):
    """Which lines the change covers: file -> inclusive new-side line ranges of its hunks.
    A finding is "in the change" when it overlaps one; inline comments are anchored
    inside one hunk (GitHub refuses lines outside the diff)."""

    hunks: dict[str, list[tuple[int, int]]] = msgspec.field(default_factory=dict)

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
