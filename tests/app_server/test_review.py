"""`review/start` over raw JSON-RPC on stdio (the `openai-codex` SDK has no review call),
through the wire tap: the review turn streams its items, the findings come back as the
exitedReviewMode item, a bad answer fails the turn; every line validates against Codex's
generated schema."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.app_server.conftest import Workspace, schema_errors
from tests.app_server.rpc import app_server
from tests.fakes.script import Call, Text, Turn
from tests.review.answers import answer, finding

pytestmark = pytest.mark.timeout(120)


def _commit_and_change(workspace: Workspace) -> None:
    repo = workspace.repo
    for args in (
        ["config", "user.email", "t@example.com"],
        ["config", "user.name", "t"],
        ["add", "-A"],
        ["commit", "-q", "-m", "base"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)
    (repo / "README.md").write_text("# demo\nhello from the demo repo\nrm -rf / # cleanup\n")


def _answer(repo: Any) -> str:
    wipe = finding(
        "[P0] Deletes the filesystem",
        repo / "README.md",
        3,
        3,
        priority=0,
        body="The new line wipes the disk.",
        confidence=0.95,
    )
    return answer(wipe, explanation="It deletes everything.", confidence=0.9)


def test_review_start_runs_the_review_inline_and_the_thread_goes_on(
    workspace: Workspace,
) -> None:
    _commit_and_change(workspace)
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["git", "diff", "HEAD"]}, call_id="rv1")]),
        Turn([Text(_answer(workspace.repo))]),
        Turn([Text("Removed the dangerous line.")]),
    )
    with app_server(workspace) as rpc:
        thread = rpc.call("thread/start", {"cwd": str(workspace.repo)})["result"]["thread"]
        started = rpc.call(
            "review/start", {"threadId": thread["id"], "target": {"type": "uncommittedChanges"}}
        )["result"]
        assert started["reviewThreadId"] == thread["id"]
        notes = rpc.until("turn/completed")
        done = [n["params"]["item"] for n in notes if n.get("method") == "item/completed"]
        kinds = [i["type"] for i in done]
        assert kinds == ["enteredReviewMode", "commandExecution", "exitedReviewMode"], kinds
        assert done[0]["review"] == "current changes"
        assert "git diff HEAD" in done[1]["command"]
        assert "1. [P0] Deletes the filesystem — README.md:3-3" in done[2]["review"]
        assert notes[-1]["params"]["turn"]["status"] == "completed"
        assert notes[-1]["params"]["turn"]["id"] == started["turn"]["id"]
        # The findings are in the thread's history: the next turn can act on them.
        rpc.call(
            "turn/start",
            {"threadId": thread["id"], "input": [{"type": "text", "text": "fix finding 1"}]},
        )
        rpc.until("turn/completed")
    sent = workspace.server.requests[-1].body.decode()
    assert "Deletes the filesystem" in sent
    assert schema_errors(workspace.lines()) == []


def test_a_failed_review_and_bad_requests_are_clear(workspace: Workspace) -> None:
    _commit_and_change(workspace)
    workspace.server.add_turns(Turn([Text("I would not worry about it.")]))
    with app_server(workspace) as rpc:
        thread_id = rpc.call("thread/start", {"cwd": str(workspace.repo)})["result"]["thread"]["id"]
        bad = rpc.call("review/start", {"threadId": thread_id, "target": {"type": "pullRequest"}})
        assert bad["error"]["code"] == -32602 and "unknown review target" in bad["error"]["message"]
        empty = rpc.call(
            "review/start",
            {"threadId": thread_id, "target": {"type": "custom", "instructions": " "}},
        )
        assert "non-empty instructions" in empty["error"]["message"]
        rpc.call("review/start", {"threadId": thread_id, "target": {"type": "uncommittedChanges"}})
        notes = rpc.until("turn/completed")
        turn = notes[-1]["params"]["turn"]
        assert turn["status"] == "failed" and "no review JSON" in turn["error"]["message"]
        done = [n["params"]["item"]["type"] for n in notes if n.get("method") == "item/completed"]
        assert done == ["enteredReviewMode", "exitedReviewMode"]
    assert schema_errors(workspace.lines()) == []
