"""The editor going away never leaves burro (or its commands) running."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.acp.conftest import Workspace
from tests.e2e.conftest import BURRO, assert_closing_stdin_ends_it
from tests.fakes.script import Call, Turn

pytestmark = pytest.mark.timeout(120)


def test_closing_stdin_mid_turn_ends_burro_and_its_command(workspace: Workspace) -> None:
    marker = "61.25"
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["sleep", marker]}, call_id="slow")])
    )
    proc = subprocess.Popen(
        [str(BURRO), *workspace.args()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=workspace.repo,
        env=workspace.env(),
    )
    assert proc.stdin is not None and proc.stdout is not None

    def send(rid: int, method: str, params: dict[str, object]) -> None:
        assert proc.stdin is not None
        proc.stdin.write(
            (
                json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n"
            ).encode()
        )
        proc.stdin.flush()

    def answer(rid: int) -> dict[str, object]:
        assert proc.stdout is not None
        while True:
            msg = json.loads(proc.stdout.readline())
            if msg.get("id") == rid:
                return dict(msg)

    try:
        send(1, "initialize", {"protocolVersion": 1})
        answer(1)
        send(2, "session/new", {"cwd": str(workspace.repo), "mcpServers": []})
        sid = answer(2)["result"]["sessionId"]  # type: ignore[index]
        send(3, "session/prompt", {"sessionId": sid, "prompt": [{"type": "text", "text": "wait"}]})
        assert_closing_stdin_ends_it(proc, marker)  # the editor quits
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
