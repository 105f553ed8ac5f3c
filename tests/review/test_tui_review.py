"""/review in the terminal UI: the session's Review op runs the reviewer; its findings
appear in the chat and join the conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burro.frontends.tui.review import parse_review_args
from burro.review import BaseBranch, Commit, Uncommitted
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.review.answers import answer, finding
from tests.review.bot_kit import git
from tests.tui.conftest import AppFactory, make_app, wait_for

__all__ = ["make_app"]  # the fixture, used by name


def test_review_arguments() -> None:
    assert parse_review_args([]) == (Uncommitted(), "")
    assert parse_review_args(["--base", "main", "error", "paths"]) == (
        BaseBranch(branch="main"),
        "error paths",
    )
    assert parse_review_args(["--commit", "abc"]) == (Commit(sha="abc"), "")
    with pytest.raises(ValueError, match="needs a value"):
        parse_review_args(["--base"])
    with pytest.raises(ValueError, match="unknown option --bse"):
        parse_review_args(["--bse", "main"])


@pytest.mark.asyncio
async def test_slash_review_shows_the_findings(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    (repo / "README.md").write_text("# demo\nhello from the demo repo\nTODO remove me\n")
    todo = finding(
        "[P2] Leftover TODO",
        repo / "README.md",
        3,
        3,
        priority=2,
        body="Drop the TODO line.",
        confidence=0.6,
    )
    verdict = answer(
        todo, verdict="patch is correct", explanation="Harmless doc change.", confidence=0.9
    )
    server.add_turns(Turn([Text(verdict)]))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "/review docs"
        await pilot.press("enter")
        await wait_for(lambda: "Leftover TODO" in app.chat.text(), timeout=30)
        text = app.chat.text()
        assert "reviewing current changes" in text and "README.md:3" in text
        # The conversation goes on with the findings in its history.
        await wait_for(lambda: not app.running)
        server.add_turns(Turn([Text("Dropped the TODO line.")]))
        app.composer.text = "fix finding 1"
        await pilot.press("enter")
        await wait_for(lambda: "Dropped the TODO line." in app.chat.text(), timeout=30)
    follow_up = json.dumps(server.requests[-1].json["input"], ensure_ascii=False)
    assert "1. [P2] Leftover TODO — README.md:3-3" in follow_up
    body = server.requests[0].json
    assert "You are reviewing a change" in body["instructions"]
    assert "Focus of this review, as asked by the user: docs" in json.dumps(body["input"])
