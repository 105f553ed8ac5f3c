"""The reviewer's answer becomes typed findings: the Codex JSON shape raw, fenced or in
prose; malformed answers are clear errors; findings outside the change are set apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burro.review import (
    ReviewParseError,
    added_lines,
    confine,
    parse_diff,
    parse_review,
    review_guidelines,
)
from tests.review.answers import answer as review_answer
from tests.review.answers import finding as one_finding

ROOT = Path("/work/repo")


def answer(*findings: dict[str, object], verdict: str = "patch is incorrect") -> str:
    return review_answer(*findings, verdict=verdict, explanation="The loop skips the last item.")


def finding(
    title: str = "[P1] Off by one",
    *,
    path: str = "/work/repo/src/a.py",
    start: int = 3,
    end: int = 4,
    priority: int | None = 1,
) -> dict[str, object]:
    body = "range(n - 1) skips the last element."
    return one_finding(title, path, start, end, priority=priority, body=body)


def test_codex_shape_becomes_typed_findings_with_repo_relative_paths() -> None:
    out = parse_review(answer(finding()), root=ROOT)
    (f,) = out.findings
    assert (f.title, f.priority, f.file, f.start, f.end) == ("[P1] Off by one", 1, "src/a.py", 3, 4)
    assert f.confidence == 0.9
    assert not out.verdict.correct
    assert out.verdict.explanation == "The loop skips the last item."


@pytest.mark.parametrize(
    "wrap",
    [
        lambda j: f"```json\n{j}\n```",
        lambda j: f"Here is my review:\n\n{j}\n\nLet me know if you need more.",
        lambda j: f"Notes {{not json}} first.\n```\n{j}\n```\ntrailing",
    ],
    ids=["fenced", "prose", "fence-after-braces"],
)
def test_json_inside_fences_or_prose_is_found(wrap: object) -> None:
    out = parse_review(wrap(answer(finding())), root=ROOT)  # type: ignore[operator]
    assert [f.file for f in out.findings] == ["src/a.py"]


def test_priority_from_the_title_tag_when_the_number_is_missing() -> None:
    out = parse_review(answer(finding("[P0] Data loss", priority=None)), root=ROOT)
    assert out.findings[0].priority == 0


def test_untagged_title_gets_its_tag_and_odd_values_are_clamped() -> None:
    raw = finding("Leaks a file handle", priority=7, start=9, end=2)
    raw["confidence_score"] = 3
    (f,) = parse_review(answer(raw), root=ROOT).findings
    assert (f.title, f.priority, f.confidence, f.start, f.end) == (
        "[P3] Leaks a file handle",
        3,
        1.0,
        9,
        9,
    )


def test_a_malformed_finding_is_skipped_the_rest_kept() -> None:
    text = answer({"body": "no title"}, finding())
    assert [f.title for f in parse_review(text, root=ROOT).findings] == ["[P1] Off by one"]


@pytest.mark.parametrize("text", ["I think the patch looks fine!", "", "{broken json"])
def test_an_answer_without_review_json_is_a_clear_error(text: str) -> None:
    with pytest.raises(ReviewParseError) as info:
        parse_review(text, root=ROOT)
    assert "run the review again" in str(info.value)
    assert info.value.to_error_info().code == "malformed_response"


def test_missing_verdict_is_judged_by_the_findings() -> None:
    text = json.dumps({"findings": [finding()]})
    assert parse_review(text, root=ROOT).verdict.correct is False
    assert parse_review(json.dumps({"findings": []}), root=ROOT).verdict.correct is True


DIFF = """\
diff --git a/src/a.py b/src/a.py
index 1111111..2222222 100644
--- a/src/a.py
+++ b/src/a.py
@@ -1,4 +1,5 @@
 def total(xs):
     s = 0
-    for i in range(len(xs)):
+    for i in range(len(xs) - 1):
+        # sum
         s += xs[i]
     return s
@@ -40,2 +41,2 @@ def other():
-    a = 1
+    a = 2
     b = 3
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
"""


def test_diff_scope_knows_hunks_and_added_lines() -> None:
    scope = parse_diff(DIFF)
    assert scope.hunks == {"src/a.py": [(1, 5), (41, 42)]}
    assert added_lines(DIFF) == {"src/a.py": {3, 4, 41}}


def test_findings_outside_the_change_move_apart() -> None:
    text = answer(
        finding(start=3, end=3),
        finding("[P2] Elsewhere", start=20, end=22, priority=2),
        finding("[P1] Other file", path="/work/repo/src/b.py"),
        finding("[P2] Crosses a hunk edge", start=42, end=50, priority=2),
    )
    out = confine(parse_review(text, root=ROOT), parse_diff(DIFF))
    assert [f.title for f in out.findings] == ["[P1] Off by one", "[P2] Crosses a hunk edge"]
    assert [f.title for f in out.outside] == ["[P2] Elsewhere", "[P1] Other file"]
    assert parse_diff(DIFF).anchor(out.findings[1]) == (42, 42)


def test_review_guidelines_sections_from_agents_md(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "AGENTS.md").write_text(
        "# Project\nbuild with make\n\n## Review guidelines\n- Flag any print() in src/.\n\n"
        "## Other\nnot this\n",
        encoding="utf-8",
    )
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "AGENTS.md").write_text("### Review Guidelines\nNo SQL string concat.\n")
    text = review_guidelines(sub, root=tmp_path)
    assert text == "- Flag any print() in src/.\n\nNo SQL string concat."
