"""Renderings of a review: Markdown for people, JSON for scripts, SARIF 2.1.0 for
code-scanning tools."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

import msgspec

from burro.protocol.review import PRIORITY_NAMES, Finding, ReviewOutput, bare_title

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = ("error", "error", "warning", "note")
_RULE_TEXT = (
    "Blocking problem: fix before anything else",
    "Bug to fix before merging",
    "Bug or risk worth fixing soon",
    "Minor improvement",
)


def location(f: Finding) -> str:
    if not f.file:
        return "(no location)"
    return f"{f.file}:{f.start}" + (f"-{f.end}" if f.end != f.start else "")


def verdict_line(output: ReviewOutput) -> str:
    v = output.verdict
    word = "patch is correct" if v.correct else "patch is incorrect"
    return f"{word} (confidence {v.confidence:.2f})"


def finding_markdown(f: Finding) -> str:
    body = "\n".join(f"  {line}" if line else "" for line in f.body.splitlines())
    head = f"- **{f.title}** — `{location(f)}` (confidence {f.confidence:.2f})"
    return f"{head}\n{body}" if body else head


def to_markdown(output: ReviewOutput, *, title: str = "") -> str:
    parts: list[str] = []
    if title:
        parts.append(f"## Review of {title}\n")
    parts.append(f"**Verdict:** {verdict_line(output)}\n")
    if output.verdict.explanation:
        parts.append(output.verdict.explanation + "\n")
    if output.findings:
        parts.append(f"### Findings ({len(output.findings)})\n")
        parts.extend(finding_markdown(f) for f in output.findings)
        parts.append("")
    else:
        parts.append("No findings in the change.\n")
    if output.outside:
        parts.append(f"### Outside the change ({len(output.outside)})\n")
        parts.extend(finding_markdown(f) for f in output.outside)
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def to_json(output: ReviewOutput, *, target: str = "") -> str:
    data: dict[str, Any] = {"target": target, **msgspec.to_builtins(output)}
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"


def _fingerprint(f: Finding) -> str:
    return hashlib.sha256(f.key().encode()).hexdigest()[:32]


def _result(f: Finding, *, in_change: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f"burro.review.{f.tag}",
        "ruleIndex": f.priority,
        "level": _LEVELS[f.priority],
        "message": {"text": f"{bare_title(f.title)}\n\n{f.body}".strip()},
        "partialFingerprints": {"burroFinding/v1": _fingerprint(f)},
        "properties": {
            "priority": f.tag,
            "confidence": round(f.confidence, 3),
            "inChange": in_change,
        },
    }
    if f.file:
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(f.file), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(1, f.start), "endLine": max(1, f.end)},
                }
            }
        ]
    return result


def to_sarif(output: ReviewOutput, *, version: str, target: str = "") -> str:
    rules = [
        {
            "id": f"burro.review.{name}",
            "name": f"Review{name}",
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": _LEVELS[i]},
        }
        for i, (name, text) in enumerate(zip(PRIORITY_NAMES, _RULE_TEXT, strict=True))
    ]
    results = [_result(f, in_change=True) for f in output.findings]
    results += [_result(f, in_change=False) for f in output.outside]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "burro",
                        "version": version,
                        "rules": rules,
                    }
                },
                "automationDetails": {"description": {"text": f"burro review: {target}"}},
                "results": results,
                "properties": {
                    "verdict": "patch is correct"
                    if output.verdict.correct
                    else "patch is incorrect",
                    "explanation": output.verdict.explanation,
                    "confidence": output.verdict.confidence,
                },
            }
        ],
    }
    return msgspec.json.format(msgspec.json.encode(log), indent=2).decode() + "\n"
