"""Pilot tests: turns stream and complete, input joins a running turn, interrupts stop
commands, plans update in place, quitting takes two ctrl+c on an idle composer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burro.frontends.tui.widgets.cells import AgentCell, ExecCell, PlanCell
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Custom, Reasoning, Text, Turn, Usage
from tests.tui.conftest import AppFactory, wait_for

pytestmark = pytest.mark.asyncio

ANSWER = "Here is the fix.\n\n```python\nprint('hello')\n```\n\nAll done streaming."


async def send(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    app.composer.text = text
    await pilot.press("enter")


async def test_turn_streams_then_completes(make_app: AppFactory, server: FakeModelServer) -> None:
    server.add_turns(
        Turn(
            [Reasoning("Reading the repository layout"), Text(ANSWER, chunks=25)],
            usage=Usage(input_tokens=27_200, cached_input_tokens=20_000, output_tokens=100),
            event_gap_s=0.03,
        )
    )
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(lambda: app.ready)
        await send(app, pilot, "fix the greeting")
        # Mid-stream: a live agent cell holds part of the answer, the turn still runs.
        await wait_for(lambda: any(c.text for c in app.query(AgentCell)))
        partial = next(c.text for c in app.query(AgentCell))
        assert app.running and ANSWER.startswith(partial) and partial != ANSWER
        await wait_for(lambda: not app.running)
        text = app.chat.text()
        assert "fix the greeting" in text
        assert "print('hello')" in text and "All done streaming." in text
        assert "Thought: Reading the repository layout" in text
        assert not list(app.query(AgentCell))  # finished cells moved to the transcript
        status = str(app.status.line())
        assert "gpt-5.5" in status and "workspace-write/never" in status
        assert "90% context left" in status
        assert "27.3k tokens (20.0k cached)" in status
        assert "~/repo (main)" in status


async def test_message_typed_during_a_turn_joins_it(
    make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(
        Turn([Text("working on the first part " * 8, chunks=40)], event_gap_s=0.05),
        Turn([Text("Handled both requests.")]),
    )
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(lambda: app.ready)
        await send(app, pilot, "do the first part")
        await wait_for(lambda: any(c.text for c in app.query(AgentCell)))
        await send(app, pilot, "also update the changelog")
        await wait_for(lambda: "Handled both requests." in app.chat.text())
        await wait_for(lambda: not app.running)
        assert len(server.requests) == 2
        assert "also update the changelog" in server.requests[1].body.decode()
        assert "also update the changelog" not in server.requests[0].body.decode()


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_interrupt_stops_a_running_command(
    make_app: AppFactory, server: FakeModelServer, repo: Path, key: str
) -> None:
    server.add_turns(
        Turn([Call("shell", {"command": "echo started; sleep 30; echo finished > late.txt"})])
    )
    app = make_app(sandbox="danger-full-access")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(lambda: app.ready)
        await send(app, pilot, "run the slow thing")
        await wait_for(lambda: any("started" in c.output for c in app.query(ExecCell)))
        await pilot.press(key)
        await wait_for(lambda: not app.running)
        text = app.chat.text()
        assert "turn interrupted" in text
        assert "sleep 30" in text
        assert app.is_running  # the first ctrl+c interrupts, it does not quit
        # The session still works after the interrupt.
        server.add_turns(Turn([Text("Ready for more.")]))
        await send(app, pilot, "next")
        await wait_for(lambda: "Ready for more." in app.chat.text())
    assert not (repo / "late.txt").exists()


async def test_plan_checklist_updates_in_place_and_diff_is_shown(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    first = [
        {"step": "Read README", "status": "in_progress"},
        {"step": "Edit README", "status": "pending"},
    ]
    second = [
        {"step": "Read README", "status": "completed"},
        {"step": "Edit README", "status": "in_progress"},
    ]
    patch = (
        "*** Begin Patch\n*** Update File: README.md\n@@\n # demo\n"
        "-hello from the demo repo\n+hello from burro\n*** End Patch\n"
    )
    server.add_turns(
        Turn([Call("update_plan", {"plan": first}, call_id="p1")]),
        Turn([Call("update_plan", {"explanation": "read it", "plan": second}, call_id="p2")]),
        Turn([Custom("apply_patch", patch, call_id="patch1")], delay_s=1.0),
        Turn([Text("README updated.")]),
    )
    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await wait_for(lambda: app.ready)
        await send(app, pilot, "update the readme")
        await wait_for(lambda: any("read it" in str(c.explanation) for c in app.query(PlanCell)))
        assert len(app.query(PlanCell)) == 1  # one checklist, updated in place
        await wait_for(lambda: not app.running)
        # When the turn ends the live checklist moves into the transcript; once that has
        # settled there is exactly one (a lasting duplicate times out here).
        await wait_for(lambda: app.chat.text().count("• Plan") == 1)
        text = app.chat.text()
    assert text.count("• Plan") == 1
    assert "✔ Read README" in text and "◐ Edit README" in text
    assert "Edited README.md (+1 -1)" in text
    assert "-hello from the demo repo" in text and "+hello from burro" in text
    assert (repo / "README.md").read_text() == "# demo\nhello from burro\n"


async def test_two_ctrl_c_on_an_idle_composer_quit(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "a draft"
        await pilot.press("ctrl+c")
        assert app.composer.text == ""  # the first ctrl+c clears a draft
        await pilot.press("ctrl+c")
        assert app.is_running
        assert "again to quit" in str(app.activity.render())
        await pilot.press("ctrl+c")
        await wait_for(lambda: not app.is_running)
    assert app.return_code == 0


async def test_first_prompt_and_image_from_the_command_line(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
    )
    (repo / "dot.png").write_bytes(png)
    server.add_turns(Turn([Text("I see a dot.")]))
    app = make_app(prompt="what is in the picture?", images=["dot.png"])
    async with app.run_test(size=(100, 30)):
        await wait_for(lambda: "I see a dot." in app.chat.text())
    body = json.loads(server.requests[0].body)
    user = [i for i in body["input"] if i.get("role") == "user"][-1]
    kinds = [c["type"] for c in user["content"]]
    assert "input_image" in kinds
