"""What the bot posts: inline comments (each carries a hidden key so a finding is never
posted twice) and the summary comment, whose hidden state says what was reviewed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from burro.protocol.review import DiffScope, Finding, ReviewOutput
from burro.review.render import finding_markdown, verdict_line

STATE_MARK = "<!-- burro-review-state "
_STATE = re.compile(r"<!-- burro-review-state (\{.*?\}) -->", re.DOTALL)
_KEY = re.compile(r"<!-- burro-finding (\S+) -->")
MAX_NOTES = 50
MAX_BODY = 60_000  # GitHub refuses comments over 65,536 characters


@dataclass
class PrState:
    """What earlier reviews of this pull request did (kept in the summary comment)."""

    head: str | None = None
    keys: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    comment_id: int | None = None


def _hide(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True).replace(">", "\\u003e").replace("<", "\\u003c")
    return f"{STATE_MARK}{text} -->"


def read_state(comments: list[dict[str, Any]], *, login: str) -> PrState:
    state = PrState()
    for c in comments:
        if (c.get("user") or {}).get("login") != login:
            continue
        m = _STATE.search(c.get("body") or "")
        if m is None:
            continue
        try:
            data = json.loads(m.group(1))
        except ValueError:
            continue
        state = PrState(
            head=data.get("head"),
            keys=set(data.get("keys") or []),
            notes=[str(n) for n in data.get("notes") or []],
            comment_id=int(c["id"]),
        )
    return state


def posted_keys(review_comments: list[dict[str, Any]], *, login: str) -> set[str]:
    return {
        m.group(1)
        for c in review_comments
        if (c.get("user") or {}).get("login") == login
        for m in _KEY.finditer(c.get("body") or "")
    }


def _key(f: Finding) -> str:
    return f.key().replace(" ", "_").replace("-->", "")


@dataclass
class Plan:
    inline: list[tuple[Finding, tuple[int, int]]]
    summary: list[Finding]
    repeated: int


def plan(output: ReviewOutput, scope: DiffScope, *, known: set[str], inline_max: int) -> Plan:
    inline: list[tuple[Finding, tuple[int, int]]] = []
    summary: list[Finding] = []
    repeated = 0
    for f in [*output.findings, *output.outside]:
        if _key(f) in known:
            repeated += 1
            continue
        anchor = scope.anchor(f)
        if anchor is not None and f.priority <= inline_max:
            inline.append((f, anchor))
        else:
            summary.append(f)
    return Plan(inline=inline, summary=summary, repeated=repeated)


def review_body(p: Plan, *, head: str) -> dict[str, Any]:
    comments: list[dict[str, Any]] = []
    for f, (start, end) in p.inline:
        body = f"**{f.title}**\n\n{f.body}\n\n<!-- burro-finding {_key(f)} -->"
        comment: dict[str, Any] = {"path": f.file, "line": end, "side": "RIGHT", "body": body}
        if start < end:
            comment.update(start_line=start, start_side="RIGHT")
        comments.append(comment)
    n = len(comments)
    return {
        "commit_id": head,
        "event": "COMMENT",
        "body": f"burro found {n} issue{'s' if n != 1 else ''} worth fixing in this change.",
        "comments": comments,
    }


def summary_body(
    output: ReviewOutput,
    p: Plan,
    *,
    state: PrState,
    head: str,
    since: str | None,
    inline_max: int,
) -> tuple[str, PrState]:
    notes = [*state.notes, *(finding_markdown(f)[:2000] for f in p.summary)][-MAX_NOTES:]
    while len("".join(notes)) * 2 > MAX_BODY - 4000:  # shown once, kept once in the state
        notes.pop(0)
    keys = state.keys | {_key(f) for f, _ in p.inline} | {_key(f) for f in p.summary}
    new = PrState(head=head, keys=keys, notes=notes, comment_id=state.comment_id)
    scope = f"{since[:7]}..{head[:7]}" if since else f"up to {head[:7]}"
    lines = [
        "## burro review",
        "",
        f"**Verdict** ({scope}): {verdict_line(output)}",
        "",
    ]
    if output.verdict.explanation:
        lines += [output.verdict.explanation, ""]
    lines.append(
        f"{len(p.inline)} new inline comment(s) (P0–P{inline_max}); "
        f"{p.repeated} finding(s) already reported were not repeated."
    )
    if notes:
        lines += ["", "### Other findings", "", *notes]
    lines += ["", _hide({"head": head, "keys": sorted(keys), "notes": notes})]
    return "\n".join(lines) + "\n", new
