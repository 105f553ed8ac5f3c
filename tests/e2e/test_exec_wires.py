"""`burro exec` end to end, on each of the three wires, against the fake model server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import WIRES, assert_append_only, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Reasoning, Text, Turn, Usage


def three_step_script() -> list[Turn]:
    return [
        Turn(
            [Reasoning("Look around first."), Call("shell", {"command": "ls"}, call_id="call_ls")],
            usage=Usage(
                input_tokens=100, cached_input_tokens=0, output_tokens=10, reasoning_tokens=4
            ),
        ),
        Turn(
            [Call("shell", {"command": "cat README.md"}, call_id="call_cat")],
            usage=Usage(input_tokens=150, cached_input_tokens=100, output_tokens=12),
        ),
        Turn(
            [Text("The README greets you: hello from the demo repo.")],
            usage=Usage(input_tokens=200, cached_input_tokens=150, output_tokens=15),
        ),
    ]


@pytest.mark.parametrize("wire", WIRES)
def test_three_step_task_jsonl(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(*three_step_script())
    res = run_exec(
        ["--json", *provider_args(server, wire), "what does the README say?"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    events = res.events()
    thread_id = events[0].get("thread_id")
    assert isinstance(thread_id, str) and len(thread_id) == 36
    expected = [
        {"type": "thread.started", "thread_id": thread_id},
        {"type": "turn.started"},
        {
            "type": "item.completed",
            "item": {"id": "item_1", "type": "reasoning", "text": "Look around first."},
        },
        {
            "type": "item.started",
            "item": {
                "id": "item_2",
                "type": "command_execution",
                "command": "ls",
                "aggregated_output": "",
                "status": "in_progress",
            },
        },
        {
            "type": "item.completed",
            "item": {
                "id": "item_2",
                "type": "command_execution",
                "command": "ls",
                "aggregated_output": "README.md\n",
                "exit_code": 0,
                "status": "completed",
            },
        },
        {
            "type": "item.started",
            "item": {
                "id": "item_3",
                "type": "command_execution",
                "command": "cat README.md",
                "aggregated_output": "",
                "status": "in_progress",
            },
        },
        {
            "type": "item.completed",
            "item": {
                "id": "item_3",
                "type": "command_execution",
                "command": "cat README.md",
                "aggregated_output": "# demo\nhello from the demo repo\n",
                "exit_code": 0,
                "status": "completed",
            },
        },
        {
            "type": "item.completed",
            "item": {
                "id": "item_4",
                "type": "agent_message",
                "text": "The README greets you: hello from the demo repo.",
            },
        },
        {
            "type": "turn.completed",
            "usage": {
                "input_tokens": 450,
                "cached_input_tokens": 250,
                "output_tokens": 37,
                # The Messages API does not report thinking tokens apart.
                "reasoning_output_tokens": 0 if wire == "anthropic" else 4,
            },
        },
    ]
    assert events == expected
    # Every request is a byte-exact prefix of the next one (prompt caching).
    reqs = server.requests
    assert len(reqs) == 3
    assert_append_only([r.body for r in reqs])
    # The model saw the command outputs.
    assert "README.md" in reqs[1].body.decode()
    assert "hello from the demo repo" in reqs[2].body.decode()


@pytest.mark.parametrize("wire", WIRES)
def test_human_mode_final_message_on_stdout(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(*three_step_script())
    res = run_exec(
        [*provider_args(server, wire), "what does the README say?"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    assert res.stdout == "The README greets you: hello from the demo repo.\n"
    assert "exec ls" in res.stderr and "cat README.md" in res.stderr
    assert "Traceback" not in res.stderr


def test_request_carries_cache_key_and_session_id(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn([Text("hi")]))
    res = run_exec(
        ["--json", *provider_args(server, "responses"), "hello"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    thread_id = res.events()[0]["thread_id"]
    body = server.requests[0].json
    assert body["prompt_cache_key"] == thread_id
    assert server.requests[0].headers.get("authorization") == "Bearer test-key"
    assert list(body)[-1] == "input"


def test_output_last_message_and_stdin_prompt(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn([Text("answer from stdin prompt")]))
    out = repo / "last.txt"
    res = run_exec(
        [*provider_args(server, "chat"), "-o", str(out), "-"],
        cwd=repo,
        home=burro_home,
        stdin="prompt text via stdin",
    )
    assert res.code == 0, res.stderr
    assert out.read_text() == "answer from stdin prompt"
    sent = json.dumps(server.requests[0].json)
    assert "prompt text via stdin" in sent
