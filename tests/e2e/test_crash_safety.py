"""Crash safety: `burro exec` is killed with SIGKILL at 30 different points of a 20-step
session, then resumed. No completed item is lost, no completed tool call runs twice, and
the resumed request is a byte-exact continuation of the history."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import BURRO, burro_env, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.fakes.workspace import make_repo

STEPS = 20
INTERRUPTED = "interrupted: burro stopped before this tool call finished"


def _script() -> list[Turn]:
    turns = [
        Turn(
            [
                Call(
                    "shell",
                    {"command": f"echo start {i} >> log; sleep 0.05; echo end {i} >> log"},
                    call_id=f"call_{i}",
                )
            ],
            event_gap_s=0.002,
        )
        for i in range(STEPS)
    ]
    return [*turns, Turn([Text("all twenty steps done")])]


def _log(repo: Path) -> list[str]:
    path = repo / "log"
    return path.read_text().split("\n") if path.exists() else []


# 20 kill points keyed to the k-th model request, 10 keyed to a tool being mid-run.
POINTS = [("request", k) for k in range(1, 21)] + [("tool", k) for k in range(0, 20, 2)]


@pytest.mark.parametrize(("kind", "k"), POINTS, ids=[f"{a}{b}" for a, b in POINTS])
def test_sigkill_then_resume(kind: str, k: int, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    home = tmp_path / "home"
    home.mkdir()
    with FakeModelServer(_script()) as first:
        proc = subprocess.Popen(
            [str(BURRO), "exec", "--json", *provider_args(first, "responses"), "do twenty steps"],
            cwd=repo,
            env=burro_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        if kind == "request":
            first.wait_for_requests(k, timeout=30)
        else:
            while f"start {k}" not in _log(repo) and time.monotonic() < deadline:
                time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        bodies = [r.body for r in first.requests]
    seen = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    completed_cmds = [
        e["item"]["command"]
        for e in seen
        if e["type"] == "item.completed" and e["item"]["type"] == "command_execution"
    ]
    thread = seen[0]["thread_id"]
    runs_before = _log(repo)

    with FakeModelServer([Turn([Text("resumed")])]) as second:
        res = run_exec(
            [*provider_args(second, "responses"), "resume", thread, "continue"], cwd=repo, home=home
        )
        assert res.code == 0, res.stderr
        assert res.stdout == "resumed\n"
        resumed = second.requests[0]
    # Byte-exact continuation of what the model last saw.
    assert resumed.body.startswith(bodies[-1][:-2])
    items = resumed.json["input"]
    calls = [i["call_id"] for i in items if i["type"] == "function_call"]
    outputs = {i["call_id"]: i["output"] for i in items if i["type"] == "function_call_output"}
    # Every call has exactly one answer; a call whose command was reported complete before
    # the kill kept its real output (nothing completed was lost).
    assert set(calls) == set(outputs) and len(calls) == len(set(calls))
    real = [cid for cid in calls if INTERRUPTED not in outputs[cid]]
    assert len(real) >= len(completed_cmds)
    # Nothing ran twice, and nothing ran after the kill (resume runs no old call again).
    after = _log(repo)
    assert after == runs_before
    for i in range(STEPS):
        assert after.count(f"start {i}") <= 1
    assert items[-1]["content"][0]["text"] == "continue"
