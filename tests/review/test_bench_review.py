"""The seeded-bug corpus is sound and its runner computes precision and recall (offline,
with the scripted reviewer; the numbers prove the arithmetic, not a model)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.bench_review import load_cases, main, make_repo

from burro.review import added_lines


def test_every_planted_bug_lies_in_its_change_and_has_a_different_clean_twin(
    tmp_path: Path,
) -> None:
    cases = load_cases()
    assert len(cases) >= 10
    for case in cases:
        assert case.buggy != case.clean and case.base not in (case.buggy, case.clean)
        repo = make_repo(tmp_path, case, "buggy")
        diff = subprocess.run(
            ["git", "diff"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        lo, hi = case.lines
        added = added_lines(diff)[case.file]
        assert added & set(range(lo, hi + 1)), case.name
        assert hi <= len(case.buggy.splitlines()), case.name


def test_runner_reports_precision_and_recall(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = main(["--cases", "off_by_one_sum,sql_injection,missing_return", "--out", str(out)])
    # The scripted reviewer finds the first two bugs, misses the last, and raises one false
    # alarm on the first clean twin.
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 1)
    assert result["precision"] == 0.667 and result["recall"] == 0.667
    assert out.read_text().startswith("{")
