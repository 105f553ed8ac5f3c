"""Sessions: resume with the exact history, fork, list, budgets and the completion guard."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import BURRO, WIRES, burro_env, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn


def _thread_id(stdout: str) -> str:
    return str(json.loads(stdout.splitlines()[0])["thread_id"])


@pytest.mark.parametrize("wire", WIRES)
def test_exec_resume_continues_exact_history(wire: str, repo: Path, burro_home: Path) -> None:
    with FakeModelServer(
        [Turn([Call("shell", {"command": "echo hi"})]), Turn([Text("first answer")])]
    ) as one:
        res = run_exec(
            ["--json", *provider_args(one, wire), "first question"], cwd=repo, home=burro_home
        )
        assert res.code == 0, res.stderr
        before = one.requests[-1].body
    thread = _thread_id(res.stdout)
    with FakeModelServer([Turn([Text("second answer")])]) as two:
        res = run_exec(
            ["--json", *provider_args(two, wire), "resume", "--last", "second question"],
            cwd=repo,
            home=burro_home,
        )
        assert res.code == 0, res.stderr
        after = two.requests[0].body
    assert _thread_id(res.stdout) == thread
    # Byte-exact continuation: everything the model saw before, then the new items.
    assert after.startswith(before[:-2])
    tail = after[len(before) - 2 :].decode()
    assert "first answer" in tail and "second question" in tail
    assert len(list((burro_home / "sessions").rglob("*.jsonl"))) == 1


def test_resume_by_id_prefix_and_fork(repo: Path, burro_home: Path) -> None:
    with FakeModelServer([Turn([Text("remember: the code word is PAPAYA")])]) as one:
        res = run_exec(
            ["--json", *provider_args(one, "chat"), "tell me a code word"],
            cwd=repo,
            home=burro_home,
        )
        assert res.code == 0
    thread = _thread_id(res.stdout)
    forked = subprocess.run(
        [str(BURRO), "fork", thread[:8]],
        cwd=repo,
        env=burro_env(burro_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert forked.returncode == 0, forked.stderr
    new_id = forked.stdout.strip()
    assert len(new_id) == 36 and new_id != thread
    with FakeModelServer([Turn([Text("PAPAYA")]), Turn([Text("still PAPAYA")])]) as two:
        res = run_exec(
            [*provider_args(two, "chat"), "resume", new_id, "what was it?"],
            cwd=repo,
            home=burro_home,
        )
        assert res.code == 0 and res.stdout == "PAPAYA\n"
        assert "the code word is PAPAYA" in two.requests[0].body.decode()
        res = run_exec(
            [*provider_args(two, "chat"), "resume", thread[:13], "and now?"],
            cwd=repo,
            home=burro_home,
        )
        assert res.code == 0
        body = two.requests[1].body.decode()
        assert "what was it?" not in body  # the original did not see the fork's turn
    listing = subprocess.run(
        [str(BURRO), "sessions", "list", "--json"],
        cwd=repo,
        env=burro_env(burro_home),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in listing.stdout.splitlines()]
    assert {r["id"] for r in rows} == {thread, new_id}
    assert rows[0]["id"] == thread  # newest first: the original was resumed last
    assert rows[1]["first_prompt"] == "tell me a code word"  # a fork carries the transcript


def test_resume_unknown_session_is_clear(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    res = run_exec(
        [*provider_args(server, "chat"), "resume", "nope-nope", "hi"], cwd=repo, home=burro_home
    )
    assert res.code == 1 and "no saved session matches `nope-nope`" in res.stderr
    res = run_exec(
        [*provider_args(server, "chat"), "resume", "--last", "hi"], cwd=repo, home=burro_home
    )
    assert res.code == 1 and "no saved session" in res.stderr


def test_max_turns_budget(repo: Path, burro_home: Path, server: FakeModelServer) -> None:
    server.add_turns(*[Turn([Call("shell", {"command": f"echo {i}"})]) for i in range(5)])
    res = run_exec(
        ["--json", "--max-turns", "2", *provider_args(server, "responses"), "loop"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 1
    last = res.events()[-1]
    assert last["type"] == "turn.failed" and "limit of 2 model requests" in last["error"]["message"]
    assert len(server.requests) == 2


def test_completion_guard_nudges_when_plan_is_open(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    plan = {
        "plan": [
            {"step": "write code", "status": "completed"},
            {"step": "run tests", "status": "pending"},
        ]
    }
    done = {
        "plan": [
            {"step": "write code", "status": "completed"},
            {"step": "run tests", "status": "completed"},
        ]
    }
    server.add_turns(
        Turn([Call("update_plan", plan)]),
        Turn([Text("I think I am done")]),
        Turn([Call("update_plan", done)]),
        Turn([Text("Now really done")]),
    )
    res = run_exec(
        ["--completion-nudges", "1", *provider_args(server, "responses"), "work"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    assert res.stdout == "Now really done\n"
    nudge = server.requests[2].body.decode()
    assert "<burro_nudge>" in nudge and "run tests" in nudge
    # Off by default in exec: the same script ends after the first answer.
    server.add_turns(Turn([Call("update_plan", plan)]), Turn([Text("I think I am done")]))
    res = run_exec([*provider_args(server, "responses"), "work"], cwd=repo, home=burro_home)
    assert res.code == 0 and res.stdout == "I think I am done\n"
