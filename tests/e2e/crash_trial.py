"""One kill -9 trial: `burro exec` runs a 20-step session against the fake model server,
is killed with SIGKILL at a chosen point, and is resumed. Shared by the crash-safety
test (a few representative points) and bench/soak_crash.py (the full matrix and random
points, many trials)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.conftest import BURRO, burro_env, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.fakes.workspace import make_repo

STEPS = 20
INTERRUPTED = "interrupted: burro stopped before this tool call finished"
REAPER = Path(__file__).with_name("reaper.py")
# (kind, k): "request" kills when the k-th model request arrived, "tool" when step k's
# command has started, "delay" k milliseconds after the process started.
KillPoint = tuple[str, int]
FULL_MATRIX: list[KillPoint] = [("request", k) for k in range(1, 21)] + [
    ("tool", k) for k in range(0, 20, 2)
]


def script() -> list[Turn]:
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


@dataclass
class Trial:
    point: KillPoint
    completed: list[str] = field(default_factory=list)  # call ids reported complete
    lost: list[str] = field(default_factory=list)  # reported complete, came back unknown
    duplicated: list[int] = field(default_factory=list)  # steps whose command ran twice
    ran_after_kill: bool = False  # the log changed after the process group was gone
    resume_error: str = ""  # why the resume failed ("" when it worked)
    stuck: list[str] = field(default_factory=list)  # processes alive 30 s after the kill

    @property
    def ok(self) -> bool:
        return not (
            self.lost or self.duplicated or self.ran_after_kill or self.resume_error or self.stuck
        )


def _log(repo: Path) -> list[str]:
    path = repo / "log"
    return path.read_text().split("\n") if path.exists() else []


def _wait_for(pid_file: Path, proc: subprocess.Popen[bytes], deadline: float) -> int:
    while not pid_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("burro did not start under the reaper")
        time.sleep(0.002)
    return int(pid_file.read_text())


def _children(parent: int) -> list[str]:
    """``pid: command`` of every process whose parent is ``parent``."""
    found: list[str] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append(f"{stat.parent.name} {fields[0]}: {cmd.strip()[:200]}")
        except (OSError, IndexError, ValueError):
            continue
    return found


def _kill_when(point: KillPoint, server: FakeModelServer, repo: Path, started: float) -> None:
    kind, k = point
    deadline = time.monotonic() + 30
    if kind == "request":
        server.wait_for_requests(k, timeout=30)
    elif kind == "tool":
        while f"start {k}" not in _log(repo) and time.monotonic() < deadline:
            time.sleep(0.002)
    else:
        time.sleep(max(0.0, started + k / 1000 - time.monotonic()))


def run_trial(tmp: Path, point: KillPoint) -> Trial:
    repo = make_repo(tmp / "repo")
    home = tmp / "home"
    home.mkdir()
    trial = Trial(point)
    pid_file = tmp / "burro.pid"
    with FakeModelServer(script()) as first:
        started = time.monotonic()
        argv = [str(BURRO), "exec", "--json", *provider_args(first, "responses"), "go"]
        proc = subprocess.Popen(
            [sys.executable, str(REAPER), str(pid_file), *argv],
            cwd=repo,
            env=burro_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            burro = _wait_for(pid_file, proc, time.monotonic() + 30)
            _kill_when(point, first, repo, started)
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                os.kill(burro, signal.SIGKILL)
            # The reaper exits once burro and every command it left behind are gone.
            try:
                out, _ = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                trial.stuck = _children(proc.pid)
                return trial
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        bodies = [r.body for r in first.requests]
    seen = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    for e in seen:
        item = e.get("item", {})
        if e["type"] == "item.completed" and item.get("type") == "command_execution":
            step = re.search(r"start (\d+)", item["command"])
            if step:
                trial.completed.append(f"call_{step.group(1)}")
    runs_before = _log(repo)
    if not seen or not bodies:
        return trial  # killed before the session started: nothing to resume
    thread = seen[0]["thread_id"]

    with FakeModelServer([Turn([Text("resumed")])]) as second:
        res = run_exec(
            [*provider_args(second, "responses"), "resume", thread, "continue"], cwd=repo, home=home
        )
        resumed = second.requests[0] if second.requests else None
    after = _log(repo)
    trial.ran_after_kill = after != runs_before
    trial.duplicated = [i for i in range(STEPS) if after.count(f"start {i}") > 1]
    if res.code != 0 or res.stdout != "resumed\n" or resumed is None:
        trial.resume_error = f"exit {res.code}: {res.stderr.strip()[-300:]}"
        return trial
    if not resumed.body.startswith(bodies[-1][:-2]):
        trial.resume_error = "the resumed request is not a byte-exact continuation"
    items = resumed.json["input"]
    calls = [i["call_id"] for i in items if i["type"] == "function_call"]
    outputs = {i["call_id"]: i["output"] for i in items if i["type"] == "function_call_output"}
    if set(calls) != set(outputs) or len(calls) != len(set(calls)):
        trial.resume_error = "a tool call without exactly one output was sent"
    if items[-1]["content"][0]["text"] != "continue":
        trial.resume_error = "the new prompt is not the last item"
    trial.lost = [c for c in trial.completed if INTERRUPTED in outputs.get(c, INTERRUPTED)]
    return trial
