"""`burro app-server` driven by the official Codex Python SDK, as its users drive Codex."""

from __future__ import annotations

import pytest

from tests.app_server.conftest import Workspace, schema_errors
from tests.fakes.script import Call, Text, Turn

pytestmark = pytest.mark.timeout(120)


def test_a_turn_that_runs_a_command_streams_its_items(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn(
            [
                Text("Looking.", chunks=2),
                Call("shell", {"command": ["echo", "from-burro"]}, call_id="c1"),
            ]
        ),
        Turn([Text("The command printed from-burro.", chunks=3)]),
    )
    with workspace.codex() as codex:
        thread = codex.thread_start(cwd=str(workspace.repo))
        turn = thread.turn("run echo")
        events = list(turn.stream())
    methods = [e.method for e in events]
    assert methods[0] == "turn/started" and methods[-1] == "turn/completed"
    assert "item/agentMessage/delta" in methods
    started = [e.payload.item.root for e in events if e.method == "item/started"]
    completed = [e.payload.item.root for e in events if e.method == "item/completed"]
    cmd = next(i for i in completed if i.type == "commandExecution")
    assert "echo from-burro" in cmd.command
    assert cmd.exit_code == 0 and "from-burro" in (cmd.aggregated_output or "")
    assert any(i.type == "commandExecution" for i in started)
    assert completed[-1].type == "agentMessage"
    assert completed[-1].text == "The command printed from-burro."
    assert events[-1].payload.turn.status.value == "completed"
    assert schema_errors(workspace.lines()) == []


def test_interrupt_stops_a_running_turn(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["sleep", "60"]}, call_id="slow")]),
        Turn([Text("still here")]),
    )
    with workspace.codex() as codex:
        thread = codex.thread_start(cwd=str(workspace.repo))
        turn = thread.turn("wait a minute")
        events = []
        for event in turn.stream():
            events.append(event)
            if (
                event.method == "item/started"
                and event.payload.item.root.type == "commandExecution"
            ):
                turn.interrupt()
        assert events[-1].payload.turn.status.value == "interrupted"
        # The thread goes on.
        assert thread.run("are you there?").final_response == "still here"
    assert schema_errors(workspace.lines()) == []


def test_resume_the_thread_in_a_new_process(workspace: Workspace) -> None:
    workspace.server.add_turns(Turn([Text("The answer is 42.")]), Turn([Text("Still 42.")]))
    with workspace.codex() as codex:
        thread = codex.thread_start(cwd=str(workspace.repo))
        assert thread.run("what is the answer?").final_response == "The answer is 42."
        thread_id = thread.id
    with workspace.codex() as codex:
        listed = codex.thread_list(cwd=str(workspace.repo))
        assert [t.id for t in listed.data] == [thread_id]
        assert listed.data[0].preview == "what is the answer?"
        resumed = codex.thread_resume(thread_id, cwd=str(workspace.repo))
        assert resumed.run("again?").final_response == "Still 42."
    body = str(workspace.server.requests[-1].json)
    assert "what is the answer?" in body and "The answer is 42." in body
    assert schema_errors(workspace.lines()) == []


def test_approval_requests_answered_both_ways(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["touch", "allowed.txt"]}, call_id="c1")]),
        Turn([Call("shell", {"command": ["touch", "denied.txt"]}, call_id="c2")]),
        Turn([Text("done")]),
    )
    asked: list[tuple[str, str]] = []

    def approvals(method: str, params: dict[str, object] | None) -> dict[str, object]:
        assert params is not None
        asked.append((method, str(params.get("command"))))
        return {"decision": "accept" if len(asked) == 1 else "decline"}

    client = workspace.client(approvals)
    try:
        started = client.thread_start({"cwd": str(workspace.repo), "approvalPolicy": "untrusted"})
        turn = client.turn_start(started.thread.id, "touch two files")
        done = client.wait_for_turn_completed(turn.turn.id)
    finally:
        client.close()
    assert done.turn.status.value == "completed"
    assert [m for m, _ in asked] == ["item/commandExecution/requestApproval"] * 2, asked
    assert "touch allowed.txt" in asked[0][1]
    assert (workspace.repo / "allowed.txt").exists()
    assert not (workspace.repo / "denied.txt").exists()
    assert schema_errors(workspace.lines()) == []
