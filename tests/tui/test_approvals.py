"""Pilot tests: the approval dialog for an unsafe command, and what each answer does."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.frontends.tui.screens.approval import ApprovalScreen, request_view
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.tui.conftest import AppFactory, plain, wait_for

pytestmark = pytest.mark.asyncio

COMMAND = "touch made-by-agent.txt"


def dialog_text(app) -> str:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, ApprovalScreen)
    return plain(app, request_view(screen.request))


async def start_turn(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_for(lambda: app.ready)
    app.composer.text = "make the file"
    await pilot.press("enter")
    await wait_for(
        lambda: isinstance(app.screen, ApprovalScreen) and bool(app.screen.query("#request Static"))
    )


@pytest.mark.parametrize(
    ("key", "created", "shown"),
    [
        ("y", True, "approved once"),
        ("n", False, "denied"),
    ],
)
async def test_approve_once_or_deny(
    make_app: AppFactory,
    server: FakeModelServer,
    repo: Path,
    key: str,
    created: bool,
    shown: str,
) -> None:
    server.add_turns(Turn([Call("shell", {"command": COMMAND}, call_id="c1")]), Turn([Text("ok")]))
    app = make_app(approval="untrusted")
    async with app.run_test(size=(110, 40)) as pilot:
        await start_turn(app, pilot)
        assert COMMAND in dialog_text(app)  # the command is shown in full
        await pilot.press(key)
        await wait_for(lambda: not app.running)
        assert f"you {shown}" in app.chat.text()
    assert (repo / "made-by-agent.txt").exists() is created
    followup = server.requests[1].body.decode()
    if not created:
        assert "rejected by user" in followup


async def test_approve_for_session_does_not_ask_again(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    server.add_turns(
        Turn([Call("shell", {"command": COMMAND}, call_id="c1")]),
        Turn([Call("shell", {"command": COMMAND}, call_id="c2")]),
        Turn([Text("made it twice")]),
    )
    app = make_app(approval="untrusted")
    async with app.run_test(size=(110, 40)) as pilot:
        await start_turn(app, pilot)
        await pilot.press("s")
        await wait_for(lambda: not app.running)
        assert "made it twice" in app.chat.text()
        assert app.chat.text().count("you approved") == 1  # asked once
    assert (repo / "made-by-agent.txt").exists()


async def test_abort_ends_the_turn_without_running(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    server.add_turns(Turn([Call("shell", {"command": COMMAND}, call_id="c1")]))
    app = make_app(approval="untrusted")
    async with app.run_test(size=(110, 40)) as pilot:
        await start_turn(app, pilot)
        await pilot.press("escape")
        await wait_for(lambda: not app.running)
        assert "turn interrupted" in app.chat.text()
    assert not (repo / "made-by-agent.txt").exists()
    assert len(server.requests) == 1


async def test_patch_approval_shows_the_diff(
    make_app: AppFactory, server: FakeModelServer, repo: Path
) -> None:
    from tests.fakes.script import Custom

    patch = (
        "*** Begin Patch\n*** Update File: README.md\n@@\n # demo\n"
        "-hello from the demo repo\n+hello from the dialog\n*** End Patch\n"
    )
    server.add_turns(Turn([Custom("apply_patch", patch, call_id="p1")]), Turn([Text("ok")]))
    app = make_app(approval="untrusted", sandbox="read-only")
    async with app.run_test(size=(110, 40)) as pilot:
        await start_turn(app, pilot)
        text = dialog_text(app)
        assert "README.md" in text and "+hello from the dialog" in text
        await pilot.press("y")
        await wait_for(lambda: not app.running)
    assert "hello from the dialog" in (repo / "README.md").read_text()


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("y", "approved once"),
        ("s", "approved for this session"),
        ("n", "denied"),
        ("escape", "aborted the turn"),
    ],
)
async def test_each_answer_reaches_the_session(make_app: AppFactory, key: str, label: str) -> None:
    """The dialog's answer is submitted to the session as an ExecApproval op (the session
    reports a decision for a call it is not waiting on, which proves the op arrived)."""
    from burro.protocol.events import ExecApprovalRequest

    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.on_core_event(
            ExecApprovalRequest(
                turn_id="t0", call_id="call_x", command="rm -rf build", cwd="/w", reason="unsafe"
            )
        )
        await wait_for(
            lambda: (
                isinstance(app.screen, ApprovalScreen) and bool(app.screen.query("#request Static"))
            )
        )
        assert "rm -rf build" in dialog_text(app) and "unsafe" in dialog_text(app)
        await pilot.press(key)
        await wait_for(lambda: "call_x" in app.chat.text())
        assert f"you {label}: rm -rf build" in app.chat.text()
        assert "pending for call call_x" in app.chat.text()
