"""`turn/steer` and `thread/fork` driven by the official Codex Python SDK; every
message burro sends is checked against Codex's generated schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app_server.conftest import Workspace, schema_errors
from tests.fakes.script import Call, Text, Turn

pytestmark = pytest.mark.timeout(120)

# A command that runs until the test creates `go` (so the turn is surely in flight).
WAIT = ["sh", "-c", "until [ -e go ]; do sleep 0.05; done; echo waited"]


def _user_texts(body: dict[str, Any]) -> list[str]:
    return [str(m["content"]) for m in body.get("messages") or [] if m.get("role") == "user"]


def test_steer_adds_input_to_the_running_turn(workspace: Workspace) -> None:
    from openai_codex.errors import InvalidParamsError, InvalidRequestError
    from openai_codex.generated.v2_all import TurnSteerResponse

    workspace.server.add_turns(
        Turn([Call("shell", {"command": WAIT}, call_id="w")]), Turn([Text("Green it is.")])
    )
    client = workspace.client(lambda method, params: {"decision": "accept"})
    try:
        thread_id = client.thread_start({"cwd": str(workspace.repo)}).thread.id
        turn_id = client.turn_start(thread_id, "paint it orange").turn.id
        with pytest.raises(InvalidRequestError, match="turn_other"):
            client.turn_steer(thread_id, "turn_other", "use blue")
        # Steering needs the id of the turn the client means: no id, no steer.
        unnamed = {"threadId": thread_id, "input": [{"type": "text", "text": "use red"}]}
        with pytest.raises(InvalidParamsError, match="expectedTurnId"):
            client.request("turn/steer", unnamed, response_model=TurnSteerResponse)
        steered = client.turn_steer(thread_id, turn_id, "use green instead")
        assert steered.turn_id == turn_id
        (workspace.repo / "go").touch()
        done = client.wait_for_turn_completed(turn_id)
        with pytest.raises(InvalidRequestError, match="no turn is running"):
            client.turn_steer(thread_id, turn_id, "too late")
    finally:
        client.close()
    assert done.turn.status.value == "completed"
    # One turn; the model got the input at that turn's next request (after the command).
    requests = [r.json for r in workspace.server.requests]
    assert len(requests) == 2
    assert _user_texts(requests[1])[-1] == "use green instead"
    assert "use blue" not in json.dumps(requests)
    assert "use red" not in json.dumps(requests)
    lines = workspace.lines()
    notes = [m for side, m in lines if side == "server" and "method" in m and "id" not in m]
    assert [n["params"]["turn"]["id"] for n in notes if n["method"] == "turn/started"] == [turn_id]
    users = [
        n["params"]["item"]["content"][0]["text"]
        for n in notes
        if n["method"] == "item/completed" and n["params"]["item"]["type"] == "userMessage"
    ]
    assert users == ["paint it orange", "use green instead"]
    assert schema_errors(lines) == []


def test_fork_copies_the_history_and_leaves_the_original_alone(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Text("Noted: 7.")]), Turn([Text("The fork says 8.")]), Turn([Text("Still 7.")])
    )
    with workspace.codex() as codex:
        thread = codex.thread_start(cwd=str(workspace.repo))
        assert thread.run("remember 7").final_response == "Noted: 7."
        fork = codex.thread_fork(thread.id)
        assert fork.id != thread.id
        (earlier,) = fork.read(include_turns=True).thread.turns
        assert [i.root.type for i in earlier.items] == ["userMessage", "agentMessage"]
        assert fork.run("make it 8").final_response == "The fork says 8."
        # The original has its one turn, and its next request knows nothing of the fork.
        assert len(thread.read(include_turns=True).thread.turns) == 1
        assert thread.run("and now?").final_response == "Still 7."
        listed = {t.id: t.forked_from_id for t in codex.thread_list(cwd=str(workspace.repo)).data}
        assert listed == {thread.id: None, fork.id: thread.id}
    forked, original = (json.dumps(r.json) for r in workspace.server.requests[1:])
    assert "remember 7" in forked and "Noted: 7." in forked and "make it 8" in forked
    assert "remember 7" in original and "make it 8" not in original
    lines = workspace.lines()
    fork_ids = {
        m["id"] for side, m in lines if side == "client" and m.get("method") == "thread/fork"
    }
    (answer,) = [
        m["result"]
        for side, m in lines
        if side == "server" and "result" in m and m["id"] in fork_ids
    ]
    assert answer["thread"]["id"] == fork.id
    assert answer["thread"]["forkedFromId"] == thread.id
    assert len(answer["thread"]["turns"]) == 1
    started = [
        m["params"]["thread"]["id"]
        for side, m in lines
        if side == "server" and m.get("method") == "thread/started"
    ]
    assert started == [thread.id, fork.id]
    assert schema_errors(lines) == []


def test_fork_through_an_earlier_turn_keeps_only_what_came_before(workspace: Workspace) -> None:
    from tests.app_server.rpc import app_server

    workspace.server.add_turns(
        Turn([Text("Noted: 7.")]), Turn([Text("Noted: 9.")]), Turn([Text("It is 7.")])
    )
    with app_server(workspace) as rpc:
        thread = rpc.call("thread/start", {"cwd": str(workspace.repo)})["result"]["thread"]
        turn_ids = []
        for text in ("remember 7", "now make it 9"):
            answer = rpc.call(
                "turn/start",
                {"threadId": thread["id"], "input": [{"type": "text", "text": text}]},
            )
            turn_ids.append(answer["result"]["turn"]["id"])
            rpc.until("turn/completed")
        fork = rpc.call("thread/fork", {"threadId": thread["id"], "lastTurnId": turn_ids[0]})
        forked = fork["result"]["thread"]
        assert forked["forkedFromId"] == thread["id"] and len(forked["turns"]) == 1
        rpc.call(
            "turn/start",
            {"threadId": forked["id"], "input": [{"type": "text", "text": "what is it?"}]},
        )
        rpc.until("turn/completed")
        unknown = rpc.call("thread/fork", {"threadId": thread["id"], "lastTurnId": "nope"})
        assert unknown["error"]["code"] == -32602 and "no turn nope" in unknown["error"]["message"]
    last = json.dumps(workspace.server.requests[-1].json)
    assert "remember 7" in last and "what is it?" in last
    assert "make it 9" not in last and "Noted: 9." not in last  # the later turn stayed behind
    assert schema_errors(workspace.lines()) == []
