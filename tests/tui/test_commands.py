"""Pilot tests for slash commands: /undo, /resume, /compact, /diff, /model, /approvals,
/status, /new, unknown commands; and the composer (history, @ paths, large pastes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events

from burro.frontends.tui.screens.choice import ChoiceScreen
from burro.frontends.tui.screens.setup import SetupScreen
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Custom, Text, Turn, Usage
from tests.tui.conftest import AppFactory, plain, wait_for

pytestmark = pytest.mark.asyncio


async def send(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await wait_for(lambda: app.ready)
    app.composer.text = text
    await pilot.press("enter")


async def test_undo_restores_the_files_of_the_last_turn(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    patch = (
        "*** Begin Patch\n*** Update File: README.md\n@@\n # demo\n"
        "-hello from the demo repo\n+rewritten by the agent\n"
        "*** Add File: NEW.md\n+brand new\n*** End Patch\n"
    )
    server.add_turns(Turn([Custom("apply_patch", patch)]), Turn([Text("Rewrote it.")]))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "rewrite the readme")
        await wait_for(lambda: "Rewrote it." in app.chat.text() and not app.running)
        assert (repo / "README.md").read_text() == "# demo\nrewritten by the agent\n"
        await send(app, pilot, "/undo")
        await wait_for(lambda: "restored:" in app.chat.text() or "undo failed" in app.chat.text())
        assert "restored:" in app.chat.text()
    assert (repo / "README.md").read_text() == "# demo\nhello from the demo repo\n"
    assert not (repo / "NEW.md").exists()


async def test_resume_reopens_a_session_with_its_history(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("Noted: the word is PINEAPPLE.")]))
    first = make_app()
    async with first.run_test(size=(100, 40)) as pilot:
        await send(first, pilot, "remember the word PINEAPPLE")
        await wait_for(lambda: "PINEAPPLE." in first.chat.text() and not first.running)
        await send(first, pilot, "/quit")
        await wait_for(lambda: not first.is_running)

    second = make_app()
    async with second.run_test(size=(100, 40)) as pilot:
        await send(second, pilot, "/resume")
        await wait_for(lambda: isinstance(second.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_for(lambda: "Noted: the word is PINEAPPLE." in second.chat.text())
        assert "remember the word PINEAPPLE" in second.chat.text()
        await wait_for(lambda: second.ready)
        assert second.session_id == first.session_id
        server.add_turns(Turn([Text("It was PINEAPPLE.")]))
        await send(second, pilot, "what was the word?")
        await wait_for(lambda: "It was PINEAPPLE." in second.chat.text())
    assert "remember the word PINEAPPLE" in server.requests[-1].body.decode()


async def test_resume_last_from_the_command_line(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("First answer ORANGE.")]))
    first = make_app(prompt="say orange")
    async with first.run_test(size=(100, 40)):
        await wait_for(lambda: "ORANGE." in first.chat.text() and not first.running)
    second = make_app(resume=True, resume_last=True)
    async with second.run_test(size=(100, 40)):
        await wait_for(lambda: "First answer ORANGE." in second.chat.text())
        assert "say orange" in second.chat.text()


async def test_compact_summarises_the_conversation(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(
        Turn([Text("A long answer.")], usage=Usage(input_tokens=5000, output_tokens=50)),
        Turn([Text("SUMMARY: user asked for a long answer.")]),
    )
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "give me a long answer")
        await wait_for(lambda: "A long answer." in app.chat.text() and not app.running)
        await send(app, pilot, "/compact")
        await wait_for(lambda: "context compacted on request" in app.chat.text())
        await wait_for(lambda: not app.running)
    assert len(server.requests) == 2
    assert "A long answer." in server.requests[1].body.decode()


async def test_diff_shows_workspace_changes_including_untracked(
    make_app: AppFactory, repo: Path
) -> None:
    (repo / "fresh.txt").write_text("a fresh line\n")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "/diff")
        await wait_for(lambda: "git diff" in app.chat.text())
        text = app.chat.text()
    assert "+a fresh line" in text and "fresh.txt" in text


async def test_model_and_approvals_change_the_next_turn(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("done")]))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "/model gpt-5.4 high")
        await wait_for(lambda: "gpt-5.4 high" in str(app.status.line()))
        await send(app, pilot, "/approvals")
        await wait_for(lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("up", "up", "up", "enter")  # from on-request... to untrusted
        await wait_for(lambda: "/untrusted" in str(app.status.line()))
        await send(app, pilot, "hello")
        await wait_for(lambda: "done" in app.chat.text() and not app.running)
    body = json.loads(server.requests[0].body)
    assert body["model"] == "gpt-5.4"
    assert body["reasoning"]["effort"] == "high"


async def test_status_unknown_command_and_new_session(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("first session answer")]))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "/modle")
        await wait_for(lambda: "unknown command /modle" in app.chat.text())
        assert "Did you mean /model?" in app.chat.text()
        await send(app, pilot, "/status")
        await wait_for(lambda: "• status" in app.chat.text())
        assert str(app.session_id) in app.chat.text()
        await send(app, pilot, "hello")
        await wait_for(lambda: "first session answer" in app.chat.text() and not app.running)
        old = app.session_id
        await send(app, pilot, "/new")
        await wait_for(lambda: "new session" in app.chat.text() and app.ready)
        assert app.session_id != old
        assert "first session answer" not in app.chat.text()


async def test_composer_history_paths_and_large_paste(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("one")]), Turn([Text("two")]))
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(app, pilot, "first message")
        await wait_for(lambda: "one" in app.chat.text() and not app.running)
        await pilot.press("up")
        assert app.composer.text == "first message"
        await pilot.press("down")
        assert app.composer.text == ""
        # @ completion from the repository's files
        await pilot.press("@", "R", "E", "A")
        await wait_for(lambda: app.query_one("#completions").has_class("-shown"))
        await pilot.press("tab")
        assert app.composer.text == "@README.md "
        # a big paste becomes a placeholder, and is sent in full
        big = "\n".join(f"log line {n}" for n in range(200))
        app.composer.post_message(events.Paste(big))
        await pilot.pause()
        assert "[Pasted text #1: 200 lines]" in app.composer.text
        await pilot.press("enter")
        await wait_for(lambda: "two" in app.chat.text() and not app.running)
    sent = server.requests[1].body.decode()
    assert "log line 199" in sent and "@README.md" in sent


async def test_no_provider_shows_how_to_set_one_up(repo: Path, burro_home: Path) -> None:
    from burro.frontends.tui.app import BurroApp
    from burro.frontends.tui.options import TuiOptions
    from tests.tui.conftest import tui_env

    env = tui_env(burro_home, user_home=repo.parent)
    env.pop("OPENAI_API_KEY", None)
    app = BurroApp(TuiOptions(), env=env, cwd=repo)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, SetupScreen))
        text = plain(app, app.screen.body)
        await pilot.press("q")
        await wait_for(lambda: not app.is_running)
    assert "OPENAI_API_KEY" in text and "ANTHROPIC_API_KEY" in text
    assert "burro --oss" in text and str(burro_home / "config.toml") in text
    assert "[model_providers.local]" in text


async def test_bad_config_shows_the_error_not_a_traceback(repo: Path, burro_home: Path) -> None:
    from burro.frontends.tui.app import BurroApp
    from burro.frontends.tui.options import TuiOptions
    from tests.tui.conftest import tui_env

    app = BurroApp(
        TuiOptions(overrides=["model_provider=nowhere"]),
        env=tui_env(burro_home, user_home=repo.parent),
        cwd=repo,
    )
    async with app.run_test(size=(110, 40)):
        await wait_for(lambda: isinstance(app.screen, SetupScreen))
        text = plain(app, app.screen.body)
    assert "unknown model_provider `nowhere`" in text


async def test_no_color_draws_notices_and_answers(
    make_app: AppFactory, server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NO_COLOR makes Textual draw through its monochrome filter, which failed on the
    # transcript's unstyled blank lines: the first notice crashed the UI.
    monkeypatch.setenv("NO_COLOR", "1")
    server.add_turns(Turn([Text("answer in monochrome")]))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send(app, pilot, "/nosuch")
        await wait_for(lambda: "unknown command /nosuch" in app.chat.text())
        await send(app, pilot, "hello")
        await wait_for(lambda: "answer in monochrome" in app.chat.text() and not app.running)
        await pilot.pause()
        assert app.is_running
