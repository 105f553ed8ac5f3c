"""The session boundary seen from a user's shell: a turn that meets an unexpected
shape fails clearly instead of hanging, SIGTERM ends burro in any state, and the
commands burro started die with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import provider_args, run_exec, start_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Hang, RawEvent, Text, Turn

ODD = json.dumps({"type": "response.output_item.done", "item": {"type": "reasoning", "summary": 5}})


def test_odd_event_shape_fails_the_turn_instead_of_hanging(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn([Text("thinking")], fault=RawEvent(after=1, data=ODD)))
    res = run_exec(
        ["--json", *provider_args(server, "responses"), "hi"],
        cwd=repo,
        home=burro_home,
        timeout=30,  # a bound on the test, not a timing assertion: it used to hang 10 min
    )
    assert res.code == 1
    events = res.events()
    assert events[0]["type"] == "thread.started"
    assert events[-1]["type"] == "turn.failed"
    assert "Traceback" not in res.stderr
    # Still resumable: the session file ends with the failed turn.
    again = run_exec(
        ["--json", *provider_args(server, "responses"), "resume", "--last", "again"],
        cwd=repo,
        home=burro_home,
        timeout=30,
    )
    assert again.code in (0, 1) and "Traceback" not in again.stderr


def _wait_exit(proc: subprocess.Popen[str], bound: float) -> int | None:
    try:
        return proc.wait(timeout=bound)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


@pytest.mark.parametrize("state", ["streaming", "running_command"])
def test_one_sigterm_ends_burro(
    state: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    marker = repo / "started"
    if state == "streaming":
        server.add_turns(Turn([Text("a long answer")], fault=Hang(after=1, seconds=60)))
    else:
        cmd = f"touch {marker}; sleep 60"
        server.add_turns(Turn([Call("shell", {"command": ["bash", "-c", cmd]})]))
    proc = start_exec(
        ["--json", *provider_args(server, "responses"), "go"], cwd=repo, home=burro_home
    )
    try:
        for _ in range(300):
            if (state == "streaming" and server.requests) or marker.exists():
                break
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        code = _wait_exit(proc, 20)
        out = proc.stdout.read() if proc.stdout else ""
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code is not None, "burro ignored SIGTERM"
    # A clean end, not death by the signal: the turn is closed for the reader of the
    # JSON stream and the exit status says it did not complete.
    assert code == 1
    last = json.loads(out.strip().splitlines()[-1])
    assert last["type"] == "turn.failed"


SESSION_SCRIPT = r"""
import asyncio, json, sys
from pathlib import Path
from burro.config import load_settings
from burro.core.api import MemoryRolloutStore, start_session
from burro.protocol.items import TextPart, FunctionCall
from burro.protocol.model import ItemDone, Completed
from burro.protocol.ops import UserTurn

class Model:
    def __init__(self):
        self.n = 0
    async def stream(self, prompt):
        self.n += 1
        cmd = "echo $$ > " + sys.argv[2] + "; exec sleep 300"
        yield ItemDone(item_id="i", item=FunctionCall(
            call_id="c", name="shell", arguments=json.dumps({"command": ["bash", "-c", cmd]})))
        await asyncio.sleep(3600)
        yield Completed()
    async def aclose(self):
        pass

async def main():
    cwd = Path(sys.argv[1])
    settings = load_settings(cwd=cwd, env={"BURRO_HOME": str(cwd / ".home"), "OPENAI_API_KEY": "x"},
                             sandbox_mode=sys.argv[3], approval_policy="never")
    h = await start_session(settings, client=Model(), store=MemoryRolloutStore(),
                            env={"PATH": "/usr/bin:/bin"})
    h.submit(UserTurn(items=[TextPart(text="go")]))
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.mark.parametrize("sandbox", ["danger-full-access", "workspace-write"])
def test_commands_die_with_burro(sandbox: str, repo: Path) -> None:
    pidfile = repo / "child.pid"
    sleepers: list[int] = []
    proc = subprocess.Popen(
        [sys.executable, "-c", SESSION_SCRIPT, str(repo), str(pidfile), sandbox],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(400):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            time.sleep(0.05)
        assert pidfile.exists(), proc.stderr.read() if proc.poll() is not None else "no pid"
        # The pid as bash saw it; inside bwrap's pid namespace it differs from the host's,
        # so find the sleep by its command line among burro's descendants instead.
        sleepers.extend(_descendants(proc.pid, "sleep"))
        assert sleepers, "the command did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone = False
        for _ in range(200):
            if not any(_alive(p) for p in sleepers):
                gone = True
                break
            time.sleep(0.05)
        assert gone, f"commands outlived burro: {sleepers}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in sleepers:  # only what this test started, by pid
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def _descendants(pid: int, name: str) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            todo.append(child)
            try:
                if Path(f"/proc/{child}/comm").read_text().strip() == name:
                    found.append(child)
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
