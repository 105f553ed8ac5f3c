"""Pilot tests for the composer's day-one features (issue 11): prompt history kept across
sessions and searched with ctrl+r, `?` for the keys, the welcome header, `!cmd`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.tui.conftest import AppFactory, wait_for

pytestmark = pytest.mark.asyncio


async def test_history_is_kept_across_sessions_and_searchable(
    make_app: AppFactory, server: FakeModelServer, burro_home: Path
) -> None:
    server.add_turns(*[Turn([Text(f"ok {i}")]) for i in range(3)])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        for n, prompt in enumerate(("fix the tests", "update the docs", "fix lint")):
            app.composer.text = prompt
            await pilot.press("enter")
            await wait_for(lambda n=n: f"ok {n}" in app.chat.text() and not app.running)
    path = burro_home / "history.jsonl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [json.loads(line)["text"] for line in path.read_text().splitlines()] == [
        "fix the tests",
        "update the docs",
        "fix lint",
    ]

    app = make_app()  # a new session: the history is still there
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        await pilot.press("up")
        assert app.composer.text == "fix lint"
        app.composer.text = "fix"
        await pilot.press("ctrl+r")
        assert app.composer.text == "fix lint"
        await pilot.press("ctrl+r")
        assert app.composer.text == "fix the tests"
        assert "reverse search 'fix'" in str(app.activity.render())
        await pilot.press("escape")
        assert app.composer.text == "fix"


async def test_welcome_header_and_key_help(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        assert "? shows the keys" in app.chat.text()
        assert "gpt-5.5 (fake)" in app.chat.text()
        await pilot.press("question_mark")
        assert app.composer.text == ""
        assert "ctrl+r" in app.chat.text() and "search earlier prompts" in app.chat.text()
        await pilot.press("a", "question_mark")  # `?` inside a prompt is just a character
        assert app.composer.text == "a?"


async def test_bang_runs_in_the_users_shell_and_feeds_the_next_message(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    server.add_turns(Turn([Text("It printed hello.")]))
    app = make_app(sandbox="read-only")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "!echo hello from the shell > made.txt; cat made.txt"
        await pilot.press("enter")
        await wait_for(lambda: "goes to the model with your next message" in app.chat.text())
        assert "hello from the shell" in app.chat.text()
        assert server.requests == []  # nothing went to the model yet
        app.composer.text = "what did it print?"
        await pilot.press("enter")
        await wait_for(lambda: "It printed hello." in app.chat.text() and not app.running)
    # the user's own command is not sandboxed (read-only would have refused the write)
    assert (repo / "made.txt").read_text() == "hello from the shell\n"
    body = server.requests[0].body.decode()
    assert "<user_shell_command>" in body and "hello from the shell" in body
