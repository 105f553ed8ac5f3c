"""`burro review` end to end: the real executable, real git repositories, the fake model
server scripted to inspect the change with git and then report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MODELS, ExecResult, run_burro
from tests.e2e.test_exec_tools import tool_outputs
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.fakes.workspace import fake_provider_overrides
from tests.review.answers import answer as review_answer
from tests.review.answers import finding
from tests.review.bot_kit import git

ORIGINAL = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
BUGGY = "def total(xs):\n    s = 0\n    for x in xs[:-1]:\n        s += x\n    return s\n"


@pytest.fixture
def calc(repo: Path) -> Path:
    (repo / "calc.py").write_text(ORIGINAL)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    return repo


def report(
    repo: Path, *findings: tuple[str, int, int, int], verdict: str = "patch is incorrect"
) -> str:
    body = "The last element is never added."
    return review_answer(
        *(finding(t, repo / "calc.py", s, e, priority=p, body=body) for t, p, s, e in findings),
        verdict=verdict,
        explanation="total() drops the last element.",
    )


def review(
    server: FakeModelServer,
    repo: Path,
    home: Path,
    *args: str,
    cmd: str = "git diff HEAD",
    answer: str,
) -> ExecResult:
    server.add_turns(
        Turn([Call("exec_command", {"cmd": cmd}, call_id="look")]), Turn([Text(answer)])
    )
    provider, table = fake_provider_overrides(server.base_url, "responses")
    return run_burro(
        ["review", "-c", provider, "-c", table, "-m", MODELS["responses"], *args],
        cwd=repo,
        home=home,
    )


def first_body(server: FakeModelServer) -> dict[str, Any]:
    body: dict[str, Any] = server.requests[0].json
    return body


def prompt_text(server: FakeModelServer) -> str:
    """Every input text of the first request."""
    return "\n".join(
        part.get("text", "")
        for item in first_body(server)["input"]
        for part in item.get("content") or []
    )


def test_uncommitted_review_inspects_the_diff_and_prints_findings(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    (calc / "calc.py").write_text(BUGGY)
    res = review(
        server,
        calc,
        burro_home,
        "--uncommitted",
        "the loop",
        answer=report(calc, ("[P1] Drops the last element", 1, 3, 3)),
    )
    assert res.code == 0, res.stderr
    assert "**[P1] Drops the last element** — `calc.py:3`" in res.stdout
    assert "patch is incorrect" in res.stdout
    assert "reviewing current changes" in res.stderr and "$ git diff HEAD" in res.stderr
    body = first_body(server)
    assert "You are reviewing a change" in body["instructions"]
    assert body["text"]["format"]["type"] == "json_schema"
    tools = {t.get("name") for t in body["tools"]}
    assert "apply_patch" not in tools and "exec_command" in tools
    prompt = prompt_text(server)
    assert "uncommitted changes" in prompt and "the loop" in prompt
    # The model really saw the change through its own git call.
    seen = tool_outputs(server.requests[1].json)["look"]
    assert "+    for x in xs[:-1]:" in seen


def test_fail_on_sets_the_exit_status(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    (calc / "calc.py").write_text(BUGGY)
    answer = report(calc, ("[P1] Drops the last element", 1, 3, 3), ("[P3] Name", 3, 1, 1))
    gated = review(server, calc, burro_home, "--fail-on", "P1", answer=answer)
    assert gated.code == 1, gated.stderr
    assert "1 finding(s) at P1 or above" in gated.stderr
    relaxed = review(server, calc, burro_home, "--fail-on", "p0", answer=answer)
    assert relaxed.code == 0, relaxed.stderr


def test_base_branch_review_names_the_merge_base_and_prints_sarif(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    base = git(calc, "rev-parse", "HEAD")
    git(calc, "checkout", "-qb", "feature")
    (calc / "calc.py").write_text(BUGGY)
    git(calc, "commit", "-qam", "speed up")
    res = review(
        server,
        calc,
        burro_home,
        "--base",
        "main",
        "--sarif",
        cmd=f"git diff {base}",
        answer=report(calc, ("[P0] Drops the last element", 0, 3, 3)),
    )
    assert res.code == 0, res.stderr
    log = json.loads(res.stdout)
    (result,) = log["runs"][0]["results"]
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "calc.py"
    assert f"git diff {base}" in prompt_text(server)
    assert "+    for x in xs[:-1]:" in tool_outputs(server.requests[1].json)["look"]


def test_commit_review_moves_findings_outside_the_commit_apart(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    (calc / "calc.py").write_text(BUGGY + "\n\n\n\n\ndef unused():\n    return 1\n")
    git(calc, "commit", "-qam", "speed up")
    (calc / "other.py").write_text("x = 1\n")
    git(calc, "add", "other.py")
    git(calc, "commit", "-qm", "add other")
    sha = git(calc, "rev-parse", "HEAD~1")
    answer = report(calc, ("[P1] Drops the last element", 1, 3, 3), ("[P2] Far away", 2, 20, 21))
    res = review(
        server,
        calc,
        burro_home,
        "--commit",
        sha,
        "--title",
        "speed up",
        "--json",
        cmd=f"git show {sha}",
        answer=answer,
    )
    assert res.code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["target"] == f"commit {sha[:7]}: speed up"
    assert [f["title"] for f in data["findings"]] == ["[P1] Drops the last element"]
    assert [f["title"] for f in data["outside"]] == ["[P2] Far away"]
    assert f'{sha} ("speed up")' in prompt_text(server)


def test_the_reviewer_cannot_write_even_when_config_allows_it(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    (calc / "calc.py").write_text(BUGGY)
    res = review(
        server,
        calc,
        burro_home,
        "-c",
        'sandbox_mode="workspace-write"',
        cmd="echo pwned > pwned.txt; git checkout -- calc.py",
        answer=report(calc, verdict="patch is correct"),
    )
    assert res.code == 0, res.stderr
    assert not (calc / "pwned.txt").exists()
    assert (calc / "calc.py").read_text() == BUGGY


def test_bad_targets_and_answers_are_clear_errors(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    res = run_burro(["review", "--commit", "nosuchsha"], cwd=calc, home=burro_home)
    assert res.code == 3 and "no commit 'nosuchsha'" in res.stderr, res.stderr
    res = run_burro(["review", "--base", "x", "--commit", "y"], cwd=calc, home=burro_home)
    assert res.code == 2 and "choose one of" in res.stderr
    (calc / "calc.py").write_text(BUGGY)
    res = review(server, calc, burro_home, answer="Looks good to me!")
    assert res.code == 3
    assert "holds no review JSON" in res.stderr and "Traceback" not in res.stderr


def test_nothing_to_review_asks_no_model(
    server: FakeModelServer, calc: Path, burro_home: Path
) -> None:
    res = run_burro(["review"], cwd=calc, home=burro_home)
    assert res.code == 0, res.stderr
    assert "There are no changes to review." in res.stdout
    assert server.requests == []
