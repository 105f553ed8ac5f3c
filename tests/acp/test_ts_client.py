"""`burro acp` driven by a small client on the official TypeScript SDK
(npm `@agentclientprotocol/sdk`; scripts/test.sh installs it into tests/acp/ts)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.acp.conftest import Workspace
from tests.acp.test_acp_agent import ORIGINAL, PATCH
from tests.e2e.conftest import BURRO
from tests.fakes.script import Call, Text, Turn

pytestmark = pytest.mark.timeout(180)

TS = Path(__file__).parent / "ts"


@pytest.fixture(scope="module")
def ts_client() -> Path:
    if not (TS / "node_modules" / "@agentclientprotocol" / "sdk").is_dir() or not shutil.which(
        "node"
    ):
        if os.environ.get("CI"):
            pytest.fail("the TypeScript ACP client is not installed: run scripts/test.sh")
        pytest.skip("the TypeScript ACP client is not installed (scripts/test.sh installs it)")
    subprocess.run(["node", "node_modules/typescript/bin/tsc", "-p", "."], cwd=TS, check=True)
    return TS / "dist" / "client.js"


def run_ts(client: Path, ws: Workspace, **plan: Any) -> dict[str, Any]:
    proc = subprocess.run(
        ["node", str(client), json.dumps({"cwd": str(ws.repo), **plan}), str(BURRO), *ws.args()],
        cwd=ws.repo,
        env=ws.env(),
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout))


def _kinds(out: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [u for u in out["updates"] if u["sessionUpdate"] == kind]


def test_ts_prompt_turn_with_chunks_and_a_diff(ts_client: Path, workspace: Workspace) -> None:
    (workspace.repo / "notes.txt").write_text(ORIGINAL, encoding="utf-8")
    workspace.server.add_turns(
        Turn(
            [
                Text("Fixing the notes.", chunks=3),
                Call("apply_patch", {"input": PATCH}, call_id="p1"),
            ]
        ),
        Turn([Text("Done.", chunks=2)]),
    )
    out = run_ts(ts_client, workspace, prompts=["fix the notes"])
    assert out["agent"] == "burro" and out["loadSession"] is True
    assert out["stopReasons"] == ["end_turn"]
    chunks = _kinds(out, "agent_message_chunk")
    assert len(chunks) >= 5
    assert "".join(c["content"]["text"] for c in chunks) == "Fixing the notes.Done."
    start = next(u for u in _kinds(out, "tool_call") if u["toolCallId"] == "p1")
    assert start["kind"] == "edit"
    assert start["locations"] == [{"path": str(workspace.repo / "notes.txt")}]
    end = [u for u in _kinds(out, "tool_call_update") if u["toolCallId"] == "p1"][-1]
    assert end["status"] == "completed"
    diff = end["content"][0]
    assert diff["type"] == "diff"
    assert (diff["oldText"], diff["newText"]) == (ORIGINAL, "alpha\nBETA\ngamma\n")


def test_ts_permission_answered_both_ways(ts_client: Path, workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["touch", "yes.txt"]}, call_id="c1")]),
        Turn([Call("shell", {"command": ["touch", "no.txt"]}, call_id="c2")]),
        Turn([Text("done")]),
    )
    out = run_ts(
        ts_client, workspace, mode="ask", answers=["allow_once", "reject_once"], prompts=["go"]
    )
    assert [a["toolCallId"] for a in out["asked"]] == ["c1", "c2"]
    assert (workspace.repo / "yes.txt").exists()
    assert not (workspace.repo / "no.txt").exists()


def test_ts_cancel_then_load_the_session_elsewhere(ts_client: Path, workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["sleep", "60"]}, call_id="slow")]),
        Turn([Text("after the cancel")]),
        Turn([Text("loaded and going on")]),
    )
    out = run_ts(ts_client, workspace, cancelOn="slow", prompts=["wait", "still there?"])
    assert out["stopReasons"] == ["cancelled", "end_turn"]
    again = run_ts(ts_client, workspace, load=out["sessionId"], prompts=["and now?"])
    replayed = [
        (u["sessionUpdate"], u["content"]["text"])
        for u in again["updates"]
        if u["sessionUpdate"] in ("user_message_chunk", "agent_message_chunk")
    ]
    assert replayed[:3] == [
        ("user_message_chunk", "wait"),
        ("user_message_chunk", "still there?"),
        ("agent_message_chunk", "after the cancel"),
    ]
    assert "".join(text for _, text in replayed[3:]) == "loaded and going on"  # streamed
    assert again["stopReasons"] == ["end_turn"]
