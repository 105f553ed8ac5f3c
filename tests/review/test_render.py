"""Renderings a user or a tool reads: Markdown, JSON, and SARIF 2.1.0 validated against
the official schema."""

from __future__ import annotations

import json

import jsonschema

from burro.review import Finding, ReviewOutput, Verdict, to_json, to_markdown, to_sarif
from tests.review.npm import sarif_schema

BUG = Finding(
    title="[P1] Off by one",
    body="range(n - 1) skips the last element.\nUse range(n).",
    priority=1,
    confidence=0.9,
    file="src/a b.py",
    start=3,
    end=4,
)
NIT = Finding(
    title="[P3] Name", body="", priority=3, confidence=0.4, file="src/c.py", start=7, end=7
)
AWAY = Finding(
    title="[P2] Old code", body="pre-existing", priority=2, confidence=0.5, file="", start=0, end=0
)
OUT = ReviewOutput(
    findings=[BUG, NIT],
    verdict=Verdict(correct=False, explanation="Skips the last item.", confidence=0.8),
    outside=[AWAY],
)
CLEAN = ReviewOutput(findings=[], verdict=Verdict(correct=True, explanation="", confidence=0.9))


def test_markdown_lists_verdict_findings_and_what_lies_outside() -> None:
    md = to_markdown(OUT, title="current changes")
    assert md.startswith("## Review of current changes\n")
    assert "**Verdict:** patch is incorrect (confidence 0.80)" in md
    assert "- **[P1] Off by one** — `src/a b.py:3-4` (confidence 0.90)\n" in md
    assert "  range(n - 1) skips the last element.\n  Use range(n)." in md
    assert "- **[P3] Name** — `src/c.py:7`" in md
    assert "### Outside the change (1)" in md and "(no location)" in md
    assert "No findings in the change." in to_markdown(CLEAN)


def test_json_round_trips_the_typed_output() -> None:
    data = json.loads(to_json(OUT, target="commit abc1234"))
    assert data["target"] == "commit abc1234"
    assert data["verdict"] == {
        "correct": False,
        "explanation": "Skips the last item.",
        "confidence": 0.8,
    }
    assert data["findings"][0] == {
        "title": "[P1] Off by one",
        "body": BUG.body,
        "priority": 1,
        "confidence": 0.9,
        "file": "src/a b.py",
        "start": 3,
        "end": 4,
    }
    assert [f["title"] for f in data["outside"]] == ["[P2] Old code"]


def test_sarif_is_valid_against_the_official_2_1_0_schema() -> None:
    log = json.loads(to_sarif(OUT, version="0.1.0", target="current changes"))
    jsonschema.validate(log, sarif_schema())
    json.loads(to_sarif(CLEAN, version="0.1.0"))  # an empty run is valid too
    jsonschema.validate(json.loads(to_sarif(CLEAN, version="0.1.0")), sarif_schema())
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "note", "warning"]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/a%20b.py"
    assert loc["region"] == {"startLine": 3, "endLine": 4}
    assert "locations" not in results[2]  # a finding without a place has none
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]


def test_the_schema_check_catches_a_broken_log() -> None:
    log = json.loads(to_sarif(OUT, version="0.1.0"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    try:
        jsonschema.validate(log, sarif_schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid level passed the SARIF schema")
