"""Faults injected by the fake model end in a retry or a clear error: never a traceback
or a hang. Interrupts leave no orphan processes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import WIRES, provider_args, run_exec, start_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, HttpError, MalformedLine, ResetAfter, Text, Turn

DONE = Turn([Text("all done")])


def _errors(events: list[dict]) -> list[str]:
    return [
        e["item"]["message"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == "error"
    ]


@pytest.mark.parametrize("wire", WIRES)
def test_429_with_retry_after_is_retried(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn(fault=HttpError(429, retry_after=1, message="slow down")), DONE)
    started = time.monotonic()
    res = run_exec(["--json", *provider_args(server, wire), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert time.monotonic() - started >= 1.0  # the server's Retry-After was honoured
    assert any("Reconnecting... 1/" in m for m in _errors(res.events()))
    assert res.events()[-1]["type"] == "turn.completed"
    assert len(server.requests) == 2


@pytest.mark.parametrize("wire", WIRES)
def test_500_then_success(wire: str, server: FakeModelServer, repo: Path, burro_home: Path) -> None:
    server.add_turns(Turn(fault=HttpError(500)), DONE)
    res = run_exec([*provider_args(server, wire), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert res.stdout == "all done\n"
    assert "reconnecting 1/" in res.stderr


@pytest.mark.parametrize("wire", WIRES)
def test_reset_mid_stream_never_runs_a_tool_twice(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    call = Call("shell", {"command": "echo ran >> count.txt"}, call_id="call_once")
    # The connection drops after the call item completed (where the wire allows that)
    # but before the response completed; the retry's response just answers.
    server.add_turns(Turn([call, Text("x" * 40, chunks=20)], fault=ResetAfter(12)), DONE)
    res = run_exec(["--json", *provider_args(server, wire), "count"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert len(server.requests) == 2
    retry_body = server.requests[1].body.decode()
    if wire == "chat":
        # Chat Completions completes tool calls only at the end of the stream: the cut
        # stream had no complete call, so nothing ran and nothing is replayed.
        assert not (repo / "count.txt").exists()
        assert "call_once" not in retry_body
    else:
        # The call completed before the cut: it ran exactly once, and the retry replays
        # the call and its output to the model instead of running it again.
        assert (repo / "count.txt").read_text() == "ran\n"
        assert "call_once" in retry_body and "Exit code: 0" in retry_body
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("wire", WIRES)
def test_malformed_sse_line_is_skipped(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn([Text("fine anyway")], fault=MalformedLine(2)))
    res = run_exec([*provider_args(server, wire), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert res.stdout == "fine anyway\n"


@pytest.mark.parametrize("wire", WIRES)
def test_invalid_tool_json_and_unknown_tool_go_back_to_the_model(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(
        Turn([Call("shell", "{not json", call_id="call_bad")]),
        Turn([Call("frobnicate", {"x": 1}, call_id="call_unknown")]),
        DONE,
    )
    res = run_exec(["--json", *provider_args(server, wire), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    second, third = server.requests[1].body.decode(), server.requests[2].body.decode()
    assert "call_bad" in second and "JSON" in second
    assert "unknown tool `frobnicate`" in third
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("wire", WIRES)
def test_non_retryable_error_fails_clearly(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(Turn(fault=HttpError(400, message="model `test-model` does not exist")))
    res = run_exec(["--json", *provider_args(server, wire), "hi"], cwd=repo, home=burro_home)
    assert res.code == 1
    last = res.events()[-1]
    assert last["type"] == "turn.failed"
    assert "does not exist" in last["error"]["message"]
    assert len(server.requests) == 1
    assert "Traceback" not in res.stderr


def test_retries_exhausted_is_a_clear_error(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(*[Turn(fault=HttpError(503)) for _ in range(3)])
    res = run_exec(
        [
            *provider_args(
                server, "responses", extra=",stream_max_retries=2,request_max_retries=2"
            ),
            "hi",
        ],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 1
    assert "gave up after 2 retries" in res.stderr
    assert len(server.requests) == 3
    assert "Traceback" not in res.stderr


def _running(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains ``marker``, found in the
    host's /proc (a sandboxed command has its own PID namespace)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        argv0 = cmdline.split()[0] if cmdline.strip() else ""
        if marker in cmdline and argv0.endswith("sleep") and state != "Z":
            found.append(int(entry.name))
    return found


CASES = [(w, "workspace-write") for w in WIRES] + [("responses", "danger-full-access")]


@pytest.mark.parametrize(("wire", "sandbox"), CASES)
def test_interrupt_kills_running_command_group(
    wire: str, sandbox: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    marker = f"300.{os.getpid()}{len(sandbox)}{abs(hash(wire)) % 1000}"
    script = f"(sleep {marker} & wait) & sleep {marker} & wait"
    server.add_turns(Turn([Call("shell", {"command": script, "timeout_ms": 600000})]))
    proc = start_exec(
        ["--json", *provider_args(server, wire), "-s", sandbox, "run it"],
        cwd=repo,
        home=burro_home,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(_running(marker)) < 2:
        time.sleep(0.05)
    assert len(_running(marker)) == 2
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(marker):
        time.sleep(0.05)
    assert _running(marker) == [], "orphan processes survived the interrupt"
    lines = [line for line in out.splitlines() if line]
    assert '"turn.failed"' in lines[-1] and "interrupted" in lines[-1]
