"""The reviewer's answer in Codex's review JSON, as a scripted model gives it."""

from __future__ import annotations

import json
from pathlib import Path


def finding(
    title: str,
    path: Path | str,
    start: int,
    end: int,
    *,
    priority: int | None,
    body: str = "Explained.",
    confidence: float = 0.9,
) -> dict[str, object]:
    """One finding; ``priority=None`` leaves the field out."""
    out: dict[str, object] = {
        "title": title,
        "body": body,
        "confidence_score": confidence,
        "code_location": {
            "absolute_file_path": str(path),
            "line_range": {"start": start, "end": end},
        },
    }
    if priority is not None:
        out["priority"] = priority
    return out


def answer(
    *findings: dict[str, object],
    verdict: str = "patch is incorrect",
    explanation: str = "total() skips the first item.",
    confidence: float = 0.8,
) -> str:
    return json.dumps(
        {
            "findings": list(findings),
            "overall_correctness": verdict,
            "overall_explanation": explanation,
            "overall_confidence_score": confidence,
        }
    )
