"""`burro app-server` driven by the official Codex Python SDK, as its users drive Codex."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app_server.conftest import Workspace, schema_errors
from tests.fakes.script import Call, Reasoning, Text, Turn, Usage

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
        # The earlier turn comes back with its items (what an IDE shows on resume).
        (earlier,) = resumed.read(include_turns=True).thread.turns
        assert earlier.status.value == "completed"
        items = [i.root for i in earlier.items]
        assert [i.type for i in items] == ["userMessage", "agentMessage"]
        assert items[1].text == "The answer is 42."
        assert resumed.run("again?").final_response == "Still 42."
    body = str(workspace.server.requests[-1].json)
    assert "what is the answer?" in body and "The answer is 42." in body
    assert schema_errors(workspace.lines()) == []


def _untrusted_turn(workspace: Workspace, approvals: Any, prompt: str) -> Any:
    """One turn on a new thread that asks before it runs anything, answered by
    ``approvals``; the completed turn."""
    client = workspace.client(approvals)
    try:
        started = client.thread_start({"cwd": str(workspace.repo), "approvalPolicy": "untrusted"})
        turn = client.turn_start(started.thread.id, prompt)
        return client.wait_for_turn_completed(turn.turn.id)
    finally:
        client.close()


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

    done = _untrusted_turn(workspace, approvals, "touch two files")
    assert done.turn.status.value == "completed"
    assert [m for m, _ in asked] == ["item/commandExecution/requestApproval"] * 2, asked
    assert "touch allowed.txt" in asked[0][1]
    assert (workspace.repo / "allowed.txt").exists()
    assert not (workspace.repo / "denied.txt").exists()
    assert schema_errors(workspace.lines()) == []


PATCH = "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+BETA\n*** End Patch\n"
ADD = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\n"


def test_file_changes_plan_reasoning_and_usage(workspace: Workspace) -> None:
    (workspace.repo / "notes.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    workspace.server.add_turns(
        Turn(
            [
                Reasoning("Plan first.", chunks=2),
                Call("update_plan", {"plan": [{"step": "edit", "status": "in_progress"}]}),
                Call("apply_patch", {"input": PATCH}, call_id="p1"),
            ]
        ),
        Turn([Call("apply_patch", {"input": ADD}, call_id="p2")]),
        Turn([Text("done")], usage=Usage(input_tokens=100, output_tokens=7)),
    )
    decisions = iter(["accept", "decline"])

    def approvals(method: str, params: dict[str, object] | None) -> dict[str, object]:
        assert method == "item/fileChange/requestApproval"
        return {"decision": next(decisions)}

    done = _untrusted_turn(workspace, approvals, "edit the notes")
    assert done.turn.status.value == "completed"
    sent = [m for side, m in workspace.lines() if side == "server" and "method" in m]
    methods = [m["method"] for m in sent]
    assert "item/reasoning/summaryTextDelta" in methods
    assert "turn/plan/updated" in methods
    assert "thread/tokenUsage/updated" in methods
    files = {
        m["params"]["item"]["id"]: m["params"]["item"]
        for m in sent
        if m["method"] == "item/completed" and m["params"]["item"]["type"] == "fileChange"
    }
    assert files["p1"]["status"] == "completed"
    assert files["p1"]["changes"][0]["path"] == "notes.txt"
    assert "+BETA" in files["p1"]["changes"][0]["diff"]
    assert files["p2"]["status"] == "declined"
    assert (workspace.repo / "notes.txt").read_text() == "alpha\nBETA\n"
    assert not (workspace.repo / "new.txt").exists()
    assert schema_errors(workspace.lines()) == []


def test_requests_before_initialize_are_refused(workspace: Workspace) -> None:
    from tests.app_server.rpc import answers_to

    lines = [
        {"id": 1, "method": "thread/list", "params": {}},
        {"id": 2, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}},
        {
            "id": 3,
            "method": "thread/start",
            "params": {"cwd": str(workspace.repo), "sandbox": "bogus"},
        },
        {"id": 4, "method": "no/such/method", "params": {}},
    ]
    answers = answers_to(workspace, lines)
    assert answers[1]["error"]["message"] == "Not initialized"
    assert "userAgent" in answers[2]["result"]
    assert "sandbox 'bogus': use one of read-only" in answers[3]["error"]["message"]
    assert answers[4]["error"]["code"] == -32601
    sent = [("client", m) for m in lines] + [("server", a) for a in answers.values()]
    assert schema_errors(sent) == []


def test_the_sdk_runs_burro_as_its_codex_binary(workspace: Workspace) -> None:
    """No tap, no launch override: just `codex_bin` and `config_overrides`, as a user would."""
    from openai_codex import Codex, CodexConfig

    from tests.e2e.conftest import BURRO, burro_env
    from tests.fakes.workspace import fake_provider_overrides

    workspace.server.add_turns(Turn([Text("hello from burro")]))
    provider, table = fake_provider_overrides(workspace.server.base_url, "chat")
    config = CodexConfig(
        codex_bin=str(BURRO),
        config_overrides=(provider, table, 'model="qwen3-coder"'),
        cwd=str(workspace.repo),
        env=burro_env(workspace.home),
    )
    with Codex(config) as codex:
        assert codex.metadata.userAgent.startswith("burro/")
        result = codex.thread_start(cwd=str(workspace.repo)).run("hi")
    assert result.final_response == "hello from burro"


def test_a_second_turn_while_one_runs_is_refused(workspace: Workspace) -> None:
    from openai_codex.errors import JsonRpcError

    workspace.server.add_turns(Turn([Call("shell", {"command": ["sleep", "60"]}, call_id="slow")]))
    with workspace.codex() as codex:
        thread = codex.thread_start(cwd=str(workspace.repo))
        turn = thread.turn("wait")
        with pytest.raises(JsonRpcError, match="a turn is already running"):
            thread.turn("me too")
        turn.interrupt()
        assert turn.run().status.value == "interrupted"
    assert schema_errors(workspace.lines()) == []
