"""SVG snapshots: idle session, a streaming answer after a diff, the approval dialog, the
plan checklist, the no-provider screen. Update with ``pytest --snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from burro.frontends.tui.app import BurroApp
from burro.frontends.tui.options import TuiOptions
from burro.frontends.tui.screens.approval import ApprovalScreen
from burro.frontends.tui.widgets.cells import AgentCell
from burro.protocol.events import ExecApprovalRequest
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Custom, Hang, Text, Turn, Usage
from tests.tui.conftest import AppFactory, tui_env, wait_for

SIZE = (100, 32)
Snap = Callable[..., bool]

PATCH = (
    "*** Begin Patch\n*** Update File: README.md\n@@\n # demo\n"
    "-hello from the demo repo\n+hello from burro\n+a second line\n*** End Patch\n"
)


def _settled(app: BurroApp) -> Callable[[], bool]:
    return lambda: app.ready and app.status.info.branch is not None


async def _send(app: BurroApp, pilot: Pilot[Any], text: str) -> None:
    await wait_for(_settled(app))
    app.composer.text = text
    await pilot.press("enter")


def test_idle_session(snap_compare: Snap, make_app: AppFactory) -> None:
    app = make_app()

    async def ready(pilot: Pilot[Any]) -> None:
        await wait_for(_settled(app))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_streaming_answer_with_diff(
    snap_compare: Snap, make_app: AppFactory, server: FakeModelServer
) -> None:
    server.add_turns(
        Turn([Custom("apply_patch", PATCH, call_id="patch1")]),
        Turn(
            [Text("I updated the README. Next I will **check** the tests and", chunks=6)],
            usage=Usage(input_tokens=30_000, output_tokens=200),
            fault=Hang(after=6, seconds=20),
        ),
    )
    app = make_app()

    async def streaming(pilot: Pilot[Any]) -> None:
        await _send(app, pilot, "update the readme greeting")
        await wait_for(lambda: any("README" in c.text for c in app.query(AgentCell)))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=streaming)


def test_approval_dialog(snap_compare: Snap, make_app: AppFactory) -> None:
    app = make_app()
    request = ExecApprovalRequest(
        turn_id="t1",
        call_id="c1",
        command="rm -rf build && make release VERSION=1.2.3",
        cwd="~/repo",
        reason="the command deletes files outside the sandbox rules",
    )

    async def ask(pilot: Pilot[Any]) -> None:
        await wait_for(_settled(app))
        app.on_core_event(request)
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ask)


def test_plan_checklist(snap_compare: Snap, make_app: AppFactory, server: FakeModelServer) -> None:
    plan = [
        {"step": "Reproduce the failing test", "status": "completed"},
        {"step": "Fix the off-by-one in the parser", "status": "in_progress"},
        {"step": "Add a regression test", "status": "pending"},
    ]
    server.add_turns(
        Turn([Call("update_plan", {"explanation": "found the bug", "plan": plan}, call_id="p1")]),
        Turn([Text("Working on the fix now.")], usage=Usage(input_tokens=1200, output_tokens=30)),
    )
    app = make_app(config=["completion_nudges=0"])  # the turn ends with the plan still open

    async def planned(pilot: Pilot[Any]) -> None:
        await _send(app, pilot, "fix the parser bug")
        await wait_for(lambda: "Working on the fix now." in app.chat.text() and not app.running)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=planned)


@pytest.mark.usefixtures("repo")
def test_no_provider_screen(snap_compare: Snap, repo: Path) -> None:
    env = tui_env(Path("/nonexistent/burro-home"), user_home=repo.parent)
    env.pop("OPENAI_API_KEY", None)
    app = BurroApp(TuiOptions(), env=env, cwd=repo, clock=lambda: 0.0)

    async def shown(pilot: Pilot[Any]) -> None:
        from burro.frontends.tui.screens.setup import SetupScreen

        await wait_for(lambda: isinstance(app.screen, SetupScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=shown)
