"""Reading the reviewer's answer: the Codex reviewer JSON shape (``findings[].code_location
.line_range``, ``overall_correctness``...), raw, inside code fences or inside prose. An
answer with no such JSON is a clear error, never a crash."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from burro.protocol.errors import BurroError
from burro.protocol.review import PRIORITY_NAMES, Finding, ReviewOutput, Verdict, bare_title

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n(.*?)```", re.DOTALL)
_TAG = re.compile(r"^\s*\[\s*[Pp]([0-3])\s*\]")
_KEYS = ("findings", "overall_correctness", "overall_explanation")
DEFAULT_CONFIDENCE = 0.5


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


class ReviewParseError(BurroError):
    """The reviewer answered, but not with a review."""

    code = "malformed_response"


def parse_review(text: str, *, root: Path) -> ReviewOutput:
    """The review in ``text``; file paths made relative to ``root`` (the repository)."""
    for obj in _candidates(text):
        try:
            wire = msgspec.convert(obj, WireOutput, strict=False)
        except msgspec.ValidationError:
            wire = _lenient(obj)
        return _to_output(wire, root=root.resolve())
    snippet = " ".join(text.split())[:80]
    raise ReviewParseError(
        "the reviewer's answer holds no review JSON "
        f"(it began: {snippet!r}); run the review again or try another model"
        if snippet
        else "the reviewer gave an empty answer; run the review again or try another model"
    )


def _is_review(obj: Any) -> bool:
    return isinstance(obj, dict) and any(k in obj for k in _KEYS)


def _candidates(text: str) -> Iterator[dict[str, Any]]:
    """Review-shaped JSON objects in ``text``, most likely first."""
    decoder = json.JSONDecoder()
    pieces = [text.strip(), *(m.group(1).strip() for m in _FENCE.finditer(text))]
    first, last = text.find("{"), text.rfind("}")
    if 0 <= first < last:
        pieces.append(text[first : last + 1])
    for piece in pieces:
        try:
            obj = json.loads(piece)
        except ValueError:
            continue
        if _is_review(obj):
            yield obj
    # JSON embedded in prose: try each opening brace.
    for match in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if _is_review(obj):
            yield obj


def _lenient(obj: dict[str, Any]) -> WireOutput:
    """Keep the findings that make sense when some entries are malformed."""
    findings: list[WireFinding] = []
    for raw in obj.get("findings") or []:
        try:
            findings.append(msgspec.convert(raw, WireFinding, strict=False))
        except msgspec.ValidationError:
            continue

    def text_of(key: str) -> str:
        value = obj.get(key)
        return value if isinstance(value, str) else ""

    score = obj.get("overall_confidence_score")
    return WireOutput(
        findings=findings,
        overall_correctness=text_of("overall_correctness"),
        overall_explanation=text_of("overall_explanation"),
        overall_confidence_score=float(score) if isinstance(score, int | float) else None,
    )


def _clamp(value: float | None) -> float:
    if value is None:
        return DEFAULT_CONFIDENCE
    return min(1.0, max(0.0, float(value)))


def relative_path(path: str, root: Path) -> str:
    """A repository-relative path where ``path`` lies inside ``root``; else as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            try:
                return p.relative_to(root).as_posix()
            except ValueError:
                return p.as_posix()
    return p.as_posix().removeprefix("./")


def _finding(w: WireFinding, root: Path) -> Finding:
    tag = _TAG.match(w.title)
    if w.priority is not None:
        priority = min(3, max(0, int(w.priority)))
    else:
        priority = int(tag.group(1)) if tag else 2
    title = f"[{PRIORITY_NAMES[priority]}] {bare_title(w.title)}"
    file, start, end = "", 0, 0
    if w.code_location is not None:
        file = relative_path(w.code_location.absolute_file_path, root)
        start = max(1, w.code_location.line_range.start)
        end = max(start, w.code_location.line_range.end or start)
    return Finding(
        title=title,
        body=w.body.strip(),
        priority=priority,  # type: ignore[arg-type]
        confidence=_clamp(w.confidence_score),
        file=file,
        start=start,
        end=end,
    )


def _to_output(wire: WireOutput, *, root: Path) -> ReviewOutput:
    findings = [_finding(w, root) for w in wire.findings if w.title.strip()]
    verdict_text = wire.overall_correctness.lower()
    if "incorrect" in verdict_text or "needs" in verdict_text:
        correct = False
    elif "correct" in verdict_text:
        correct = True
    else:  # no verdict given: judge by what was found
        correct = not any(f.priority <= 1 for f in findings)
    verdict = Verdict(
        correct=correct,
        explanation=wire.overall_explanation.strip(),
        confidence=_clamp(wire.overall_confidence_score),
    )
    return ReviewOutput(findings=findings, verdict=verdict)
