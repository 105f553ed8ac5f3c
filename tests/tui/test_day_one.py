"""Pilot tests for what a new user tripped over on day one (issue 11): focus that left
the composer, a stale "interrupting…" hint, dialogs cut off at 80x24, and the like."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.frontends.tui.widgets.cells import ExecCell
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Reasoning, Text, Turn, Usage
from tests.tui.conftest import AppFactory, wait_for

pytestmark = pytest.mark.asyncio


async def test_tab_keeps_focus_in_the_composer_and_nothing_typed_is_lost(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        await pilot.press("h", "e", "l", "tab", "l", "o", "shift+tab", "!")
        assert app.focused is app.composer
        assert app.composer.text == "hello!"


async def test_interrupting_hint_goes_away_when_the_interrupt_is_done(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Call("shell", {"command": "echo started; sleep 30"})]))
    app = make_app(sandbox="danger-full-access")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "run the slow thing"
        await pilot.press("enter")
        await wait_for(lambda: any("started" in c.output for c in app.query(ExecCell)))
        await pilot.press("escape")
        await wait_for(lambda: not app.running)
        await pilot.pause()
        assert "turn interrupted" in app.chat.text()
        assert "interrupting" not in str(app.activity.render())


async def test_opening_and_quitting_leaves_no_session_file(
    make_app: AppFactory, server: FakeModelServer, burro_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        await pilot.press("ctrl+c", "ctrl+c")
    assert not list(burro_home.rglob("rollout-*.jsonl"))

    server.add_turns(Turn([Text("hello")]))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "hi"
        await pilot.press("enter")
        await wait_for(lambda: "hello" in app.chat.text() and not app.running)
        await app.stop_session()
    files = list(burro_home.rglob("rollout-*.jsonl"))
    assert len(files) == 1 and '"hi"' in files[0].read_text()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_patch_dialog_shows_every_choice_at_80x24(
    make_app: AppFactory, server: FakeModelServer, repo: Path, size: tuple[int, int]
) -> None:
    from textual.widgets import OptionList

    from burro.frontends.tui.screens.approval import ApprovalScreen

    body = "".join(f"+line {i}\n" for i in range(60))
    patch = f"*** Begin Patch\n*** Add File: big.txt\n{body}*** End Patch\n"
    server.add_turns(
        Turn([Call("apply_patch", {"input": patch})]),
        Turn([Text("done")]),
    )
    app = make_app(approval="untrusted", sandbox="read-only")
    async with app.run_test(size=size) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "add the file"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.pause()
        choices = app.screen.query_one("#choices", OptionList)
        labels = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert labels[2].startswith("No") and labels[2].endswith("(n)")
        assert labels[3].endswith("(esc)")
        screen_region = app.screen.region
        assert choices.region.height >= 4  # one line per choice, none scrolled away
        assert screen_region.contains_region(choices.region), (choices.region, screen_region)
        await pilot.press("n")
        await wait_for(lambda: not app.running)
    assert not (repo / "big.txt").exists()


async def test_model_switch_updates_the_context_window_in_the_status_line(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    usage = Usage(input_tokens=27_200, output_tokens=100)
    server.add_turns(Turn([Text("first")], usage=usage))
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "hi"
        await pilot.press("enter")
        await wait_for(lambda: "first" in app.chat.text() and not app.running)
        await wait_for(lambda: "90% context left" in str(app.status.line()))
        app.composer.text = "/model gpt-oss-20b medium"  # 131,072 tokens instead of 272,000
        await pilot.press("enter")
        await wait_for(lambda: "gpt-oss-20b" in str(app.status.line()))
        await wait_for(lambda: "79% context left" in str(app.status.line()))


async def test_notify_and_hide_agent_reasoning_in_the_ui(
    make_app: AppFactory, server: FakeModelServer, tmp_path: Path
) -> None:
    import json

    log = tmp_path / "notified.jsonl"
    script = tmp_path / "notify.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {log}\n')
    script.chmod(0o755)
    server.add_turns(
        Turn([Reasoning("SECRET-THOUGHTS"), Call("shell", {"command": "touch x.txt"})]),
        Turn([Text("made it")]),
    )
    config = [f'notify=["{script}"]', "hide_agent_reasoning=true"]
    app = make_app(approval="untrusted", config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "make x"
        await pilot.press("enter")
        from burro.frontends.tui.screens.approval import ApprovalScreen

        await wait_for(lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("y")
        await wait_for(lambda: "made it" in app.chat.text() and not app.running)
        await wait_for(lambda: log.exists() and len(log.read_text().splitlines()) >= 2)
        assert "SECRET-THOUGHTS" not in app.chat.text()
    kinds = [json.loads(line)["type"] for line in log.read_text().splitlines()]
    assert kinds == ["approval-requested", "agent-turn-complete"]


async def test_cells_read_like_a_terminal(make_app: AppFactory, server: FakeModelServer) -> None:
    patch = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\n"
    server.add_turns(
        Turn(
            [
                Call("shell", {"command": ["bash", "-lc", "echo hi there"]}, call_id="c1"),
                Call("read_file", {"file_path": "README.md", "limit": 5}, call_id="c2"),
                Call("apply_patch", {"input": patch}, call_id="c3"),
            ]
        ),
        Turn([Text("done")]),
    )
    app = make_app(sandbox="read-only")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "go"
        await pilot.press("enter")
        await wait_for(lambda: "done" in app.chat.text() and not app.running)
        text = app.chat.text()
    assert "Ran echo hi there" in text and "bash -lc" not in text
    assert "read_file README.md limit=5" in text and '{"file_path"' not in text
    assert "Add new.txt" in text and "└ not applied: patch rejected" in text
    assert "Added new.txt" not in text


async def test_new_keeps_the_choices_made_in_the_session(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("fresh")]))
    app = make_app(approval="on-request")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(lambda: app.ready)
        for command in ("/approvals never", "/model gpt-oss-20b low"):
            app.composer.text = command
            await pilot.press("enter")
        await wait_for(lambda: "gpt-oss-20b low" in str(app.status.line()))
        old = app.session_id
        app.composer.text = "/new"
        await pilot.press("enter")
        await wait_for(lambda: app.session_id != old and app.ready)
        await wait_for(lambda: "gpt-oss-20b low" in str(app.status.line()))
        assert "/never" in str(app.status.line())
        app.composer.text = "hi"
        await pilot.press("enter")
        await wait_for(lambda: "fresh" in app.chat.text() and not app.running)
    assert server.requests[-1].json["model"] == "gpt-oss-20b"


async def test_model_picker_lists_this_providers_models_and_others_on_request(
    make_app: AppFactory,
) -> None:
    from burro.frontends.tui.screens.choice import ChoiceScreen

    app = make_app()  # provider `fake`: no model in the table names it
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "/model"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ChoiceScreen))
        first = [label for _, label in app.screen.options]
        assert "claude-sonnet-4-5" not in first and first[-1] == "Other providers' models…"
        await pilot.press("end", "enter")
        await wait_for(lambda: isinstance(app.screen, ChoiceScreen) and app.screen.options != [])
        await wait_for(lambda: any(label == "claude-sonnet-4-5" for _, label in app.screen.options))
