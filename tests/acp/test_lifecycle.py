"""The editor going away never leaves burro (or its commands) running."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.acp.conftest import Workspace
from tests.e2e.conftest import BURRO
from tests.fakes.script import Call, Turn

pytestmark = pytest.mark.timeout(120)


def _running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().split()[2]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


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
        deadline = time.monotonic() + 30
        while not _running(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _running(marker), "the command never started"
        proc.stdin.close()  # the editor quits
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while _running(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _running(marker) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
