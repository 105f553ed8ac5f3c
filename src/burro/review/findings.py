"""Typed review output: findings, the verdict, and the Codex reviewer JSON shape the
model answers in (``findings[].code_location.line_range``, ``overall_correctness``...)."""

from __future__ import annotations

from typing import Literal

import msgspec

Priority = Literal[0, 1, 2, 3]
PRIORITY_NAMES = ("P0", "P1", "P2", "P3")


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


# ---------------------------------------------------------------- the wire shape


class WireRange(msgspec.Struct, kw_only=True):
    start: int
    end: int | None = None


class WireLocation(msgspec.Struct, kw_only=True):
    absolute_file_path: str
    line_range: WireRange


class WireFinding(msgspec.Struct, kw_only=True):
    title: str
    body: str = ""
    confidence_score: float | None = None
    priority: int | None = None
    code_location: WireLocation | None = None


class WireOutput(msgspec.Struct, kw_only=True):
    findings: list[WireFinding] = msgspec.field(default_factory=list)
    overall_correctness: str = ""
    overall_explanation: str = ""
    overall_confidence_score: float | None = None
