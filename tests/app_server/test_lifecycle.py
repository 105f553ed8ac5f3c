"""The client going away never leaves `burro app-server` (or its commands) running."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.app_server.conftest import Workspace
from tests.app_server.rpc import answers_to
from tests.e2e.conftest import BURRO, assert_closing_stdin_ends_it, burro_env
from tests.fakes.script import Call, Turn
from tests.fakes.workspace import fake_provider_overrides

pytestmark = pytest.mark.timeout(120)


def test_closing_stdin_mid_turn_ends_the_server_and_its_command(workspace: Workspace) -> None:
    marker = "62.75"
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["sleep", marker]}, call_id="slow")])
    )
    provider, table = fake_provider_overrides(workspace.server.base_url, "chat")
    proc = subprocess.Popen(
        [str(BURRO), "-c", provider, "-c", table, "-m", "qwen3-coder", "app-server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=workspace.repo,
        env=burro_env(workspace.home),
    )
    assert proc.stdin is not None and proc.stdout is not None
    messages = [
        {"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}},
        {"id": 2, "method": "thread/start", "params": {"cwd": str(workspace.repo)}},
    ]
    try:
        for msg in messages:
            proc.stdin.write((json.dumps(msg) + "\n").encode())
        proc.stdin.flush()
        thread_id = ""
        while not thread_id:
            reply = json.loads(proc.stdout.readline())
            if reply.get("id") == 2:
                thread_id = reply["result"]["thread"]["id"]
        turn = {
            "id": 3,
            "method": "turn/start",
            "params": {"threadId": thread_id, "input": [{"type": "text", "text": "wait"}]},
        }
        proc.stdin.write((json.dumps(turn) + "\n").encode())
        proc.stdin.flush()
        assert_closing_stdin_ends_it(proc, marker)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_malformed_message_is_answered_or_dropped_and_the_server_goes_on(
    workspace: Workspace,
) -> None:
    lines = [
        {"id": [1], "result": {}},  # a "response" to nothing, with an id we never send
        {"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}},
        {"id": 2, "method": "thread/start", "params": [str(workspace.repo)]},
    ]
    answers = answers_to(workspace, lines)
    assert "userAgent" in answers[1]["result"]
    assert answers[2]["error"] == {
        "code": -32602,
        "message": "thread/start: params must be a JSON object",
    }
