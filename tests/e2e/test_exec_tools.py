"""Each built-in tool end to end: the real `burro exec` runs what the fake model asks
for, and we check the files on disk, the `--json` lines, the rollout, and what the
model is told in its next request."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import WIRES, ExecResult, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Custom, Step, Text, Turn

DONE = Turn([Text("all done")])
ORIGINAL = "alpha\nbeta\ngamma\ndelta\n"
PATCH = (
    "*** Begin Patch\n"
    "*** Add File: src/new.py\n"
    "+print('new')\n"
    "*** Update File: notes.txt\n"
    "@@\n"
    " alpha\n"
    "-beta\n"
    "+BETA\n"
    " gamma\n"
    "*** Delete File: old.txt\n"
    "*** End Patch\n"
)
SUMMARY = "Success. Updated the following files:\nA src/new.py\nM notes.txt\nD old.txt"


# ---------------------------------------------------------------- helpers


def _text(content: Any) -> str:
    """A tool result's content: a string, or a list of text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def tool_outputs(body: Any) -> dict[str, str]:
    """call_id -> the tool output text the model received, for any of the three wires."""
    out: dict[str, str] = {}
    for item in body.get("input") or []:  # Responses
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            out[item["call_id"]] = _text(item["output"])
    for msg in body.get("messages") or []:
        if msg.get("role") == "tool":  # Chat Completions
            out[msg["tool_call_id"]] = _text(msg["content"])
        elif isinstance(msg.get("content"), list):  # Anthropic Messages
            for block in msg["content"]:
                if block.get("type") == "tool_result":
                    out[block["tool_use_id"]] = _text(block.get("content"))
    return out


def run(
    server: FakeModelServer, wire: str, repo: Path, home: Path, *turns: Turn
) -> tuple[ExecResult, list[dict[str, Any]]]:
    server.add_turns(*turns, DONE)
    res = run_exec(
        ["--json", "-s", "workspace-write", *provider_args(server, wire), "do the task"],
        cwd=repo,
        home=home,
    )
    assert res.code == 0, res.stderr
    assert "Traceback" not in res.stderr
    return res, res.events()


def seen(server: FakeModelServer, call_id: str) -> str:
    """What the model was told for ``call_id`` (in the request after the call)."""
    for req in server.requests:
        outputs = tool_outputs(req.json)
        if call_id in outputs:
            return outputs[call_id]
    raise AssertionError(f"no request carried the output of {call_id}")


def completed(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == kind
    ]


def _alive(pid: int) -> bool:
    try:  # a zombie is dead for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _pids_running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- apply_patch


def _patch_step(wire: str, form: str, patch: str, call_id: str) -> Step:
    if form == "shell":
        return Call("shell", {"command": f"apply_patch <<'EOF'\n{patch}EOF"}, call_id=call_id)
    if wire == "responses":  # gpt-5.5 is offered the freeform (grammar) tool
        return Custom("apply_patch", patch, call_id=call_id)
    return Call("apply_patch", {"input": patch}, call_id=call_id)


def _seed(repo: Path) -> None:
    (repo / "notes.txt").write_text(ORIGINAL, encoding="utf-8")
    (repo / "old.txt").write_text("to be deleted\n", encoding="utf-8")


def _apply_patch_spec(body: Any) -> dict[str, Any]:
    for tool in body.get("tools") or []:
        name = tool.get("name") or tool.get("function", {}).get("name")
        if name == "apply_patch":
            return dict(tool)
    raise AssertionError("apply_patch was not offered to the model")


@pytest.mark.parametrize("form", ["tool", "shell"])
@pytest.mark.parametrize("wire", WIRES)
def test_apply_patch_edits_files(
    wire: str, form: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    _seed(repo)
    _, events = run(
        server, wire, repo, burro_home, Turn([_patch_step(wire, form, PATCH, "call_patch")])
    )
    assert (repo / "notes.txt").read_bytes() == b"alpha\nBETA\ngamma\ndelta\n"
    assert (repo / "src" / "new.py").read_bytes() == b"print('new')\n"
    assert not (repo / "old.txt").exists()
    spec = _apply_patch_spec(server.requests[0].json)
    if wire == "responses":
        assert spec["type"] == "custom"  # freeform: the model writes the raw patch
    else:
        schema = spec.get("input_schema") or spec["function"]["parameters"]
        assert "input" in schema["properties"]
    (item,) = completed(events, "file_change")
    assert item["status"] == "completed"
    assert sorted(item["changes"], key=lambda c: c["path"]) == [
        {"path": "notes.txt", "kind": "update"},
        {"path": "old.txt", "kind": "delete"},
        {"path": "src/new.py", "kind": "add"},
    ]
    assert not completed(events, "command_execution")  # the heredoc never ran in a shell
    told = seen(server, "call_patch")
    assert told.startswith(SUMMARY)
    if form == "shell":
        assert "call the apply_patch tool directly" in told


@pytest.mark.parametrize("form", ["tool", "shell"])
@pytest.mark.parametrize("wire", WIRES)
def test_failing_patch_changes_nothing_and_explains(
    wire: str, form: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    _seed(repo)
    bad = (
        "*** Begin Patch\n"
        "*** Add File: created.txt\n"
        "+should not appear\n"
        "*** Update File: notes.txt\n"
        "@@\n"
        " alpha\n"
        "-no such line here\n"
        "+replacement\n"
        "*** End Patch\n"
    )
    _, events = run(
        server, wire, repo, burro_home, Turn([_patch_step(wire, form, bad, "call_bad")])
    )
    assert (repo / "notes.txt").read_bytes() == ORIGINAL.encode()
    assert not (repo / "created.txt").exists()  # verified before anything was written
    (item,) = completed(events, "file_change")
    assert item["status"] == "failed"
    told = seen(server, "call_bad")
    assert "notes.txt" in told
    assert "alpha\nno such line here" in told
    assert not told.startswith("Success")


# ---------------------------------------------------------------- grep, read, plan


@pytest.mark.parametrize("wire", WIRES)
def test_grep_files_paths_and_bad_regex(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("def handle_request(r):\n    pass\n")
    (repo / "src" / "util.py").write_text("x = 1\n# handle_request is elsewhere\n")
    (repo / "src" / "notes.md").write_text("handle_request docs\n")
    (repo / "src" / "other.py").write_text("nothing to see\n")
    run(
        server,
        wire,
        repo,
        burro_home,
        Turn([Call("grep_files", {"pattern": r"handle_\w+", "include": "*.py"}, call_id="g1")]),
        Turn([Call("grep_files", {"pattern": "(unclosed[", "include": "*.py"}, call_id="g2")]),
    )
    assert sorted(seen(server, "g1").splitlines()) == ["src/app.py", "src/util.py"]
    error = seen(server, "g2")
    assert "\n" not in error.strip()
    assert error.startswith("grep_files:")
    assert "regex parse error" in error and "unclosed" in error


@pytest.mark.parametrize("wire", WIRES)
def test_read_file_line_range(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "big.txt").write_text("".join(f"content of line {n}\n" for n in range(1, 41)))
    run(
        server,
        wire,
        repo,
        burro_home,
        Turn([Call("read_file", {"file_path": "big.txt", "offset": 12, "limit": 4}, call_id="r1")]),
    )
    told = seen(server, "r1").splitlines()
    numbered = [line for line in told if line.startswith("L")]
    assert numbered == [f"L{n}: content of line {n}" for n in range(12, 16)]
    assert all("content of line" not in line for line in told if not line.startswith("L"))


@pytest.mark.parametrize("wire", WIRES)
def test_update_plan_twice_is_one_todo_list(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    first = [
        {"step": "Read the code", "status": "in_progress"},
        {"step": "Fix the bug", "status": "pending"},
    ]
    second = [
        {"step": "Read the code", "status": "completed"},
        {"step": "Fix the bug", "status": "in_progress"},
        {"step": "Run the tests", "status": "pending"},
    ]
    _, events = run(
        server,
        wire,
        repo,
        burro_home,
        Turn([Call("update_plan", {"plan": first}, call_id="p1")]),
        Turn([Call("update_plan", {"explanation": "found it", "plan": second}, call_id="p2")]),
    )
    todo = [e for e in events if e.get("item", {}).get("type") == "todo_list"]
    assert [e["type"] for e in todo] == ["item.started", "item.updated", "item.completed"]
    assert len({e["item"]["id"] for e in todo}) == 1
    assert todo[0]["item"]["items"] == [
        {"text": "Read the code", "completed": False},
        {"text": "Fix the bug", "completed": False},
    ]
    expected = [
        {"text": "Read the code", "completed": True},
        {"text": "Fix the bug", "completed": False},
        {"text": "Run the tests", "completed": False},
    ]
    assert todo[1]["item"]["items"] == expected
    assert todo[2]["item"]["items"] == expected
    # Completed when the turn ends: after the final message, right before turn.completed.
    assert events[-2] == todo[2] and events[-1]["type"] == "turn.completed"
    assert seen(server, "p1") == seen(server, "p2") == "Plan updated"


# ---------------------------------------------------------------- shell edge cases

LINES = 50_000
LINE = "x" * 99  # 100 bytes with its newline: 5,000,000 bytes in all


@pytest.mark.parametrize("wire", WIRES)
def test_huge_output_is_capped_for_the_model_and_bounded_on_disk(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    command = f"yes {LINE} | head -n {LINES}"
    _, events = run(
        server, wire, repo, burro_home, Turn([Call("shell", {"command": command}, call_id="big")])
    )
    full = f"{LINE}\n" * LINES
    assert len(full) == 5_000_000
    # The model gets a capped middle-truncated form.
    told = seen(server, "big")
    assert len(told.encode()) < 64 * 1024
    assert f"Total output lines: {LINES}" in told
    assert "lines truncated]" in told
    assert "Exit code: 0" in told
    assert len(server.requests[1].body) < 200 * 1024
    # The JSONL item carries the whole output.
    (item,) = completed(events, "command_execution")
    assert item["aggregated_output"] == full and item["exit_code"] == 0
    # The session file keeps a bounded head + tail (the model never saw more), so a
    # 5 MB output does not make a 5 MB session file.
    (rollout,) = (burro_home / "sessions").rglob("rollout-*.jsonl")
    assert rollout.stat().st_size < 2 * 1024 * 1024
    ends = [
        line["payload"]
        for line in map(json.loads, rollout.read_text(encoding="utf-8").splitlines())
        if line.get("type") == "event" and line["payload"].get("type") == "exec_command_end"
    ]
    (end,) = ends
    kept = end["aggregated_output"]
    assert len(kept.encode()) <= 1024 * 1024 + 200
    assert kept.startswith(full[:1000]) and kept.endswith(full[-1000:])


@pytest.mark.parametrize("wire", WIRES)
def test_timeout_kills_the_whole_process_group(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    marker = f"30.{os.getpid()}{abs(hash(wire)) % 10_000}"  # a sleep nobody else runs
    command = f"sleep {marker} & echo $! > bgpid; sleep {marker}"
    _, events = run(
        server,
        wire,
        repo,
        burro_home,
        Turn([Call("shell", {"command": command, "timeout_ms": 500}, call_id="slow")]),
    )
    told = seen(server, "slow")
    assert "command timed out" in told
    assert "Exit code: 124" in told
    (item,) = completed(events, "command_execution")
    assert item["exit_code"] == 124 and item["status"] == "failed"
    # Found by command line in the host's /proc (the sandbox has its own PID namespace).
    assert _pids_running(marker) == []


@pytest.mark.parametrize("wire", WIRES)
def test_invalid_utf8_output_is_replaced(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    command = r"printf 'ok \xff\xfe end\n'"
    _, events = run(
        server, wire, repo, burro_home, Turn([Call("shell", {"command": command}, call_id="bad8")])
    )
    (item,) = completed(events, "command_execution")
    assert item["exit_code"] == 0 and item["status"] == "completed"
    assert item["aggregated_output"] == "ok \ufffd\ufffd end\n"
    told = seen(server, "bad8")
    assert "Exit code: 0" in told and "ok \ufffd\ufffd end" in told


# ---------------------------------------------------------------- long-running commands


def test_a_fifteen_second_command_is_not_killed(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    # `shell` without timeout_ms runs until the command exits (it used to die at 10 s).
    command = "sleep 15; echo finished"
    _, events = run(
        server, "chat", repo, burro_home, Turn([Call("shell", {"command": command}, call_id="s")])
    )
    (item,) = completed(events, "command_execution")
    assert item["exit_code"] == 0 and item["status"] == "completed"
    assert item["aggregated_output"] == "finished\n"
    assert "Exit code: 0" in seen(server, "s")


def _offered(body: Any) -> list[str]:
    return [t.get("name") or t.get("function", {}).get("name") for t in body.get("tools") or []]


def test_exec_command_keeps_running_and_write_stdin_polls_it(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    cmd = "echo one; sleep 2; echo two; exit 4"
    _, events = run(
        server,
        "responses",
        repo,
        burro_home,
        Turn([Call("exec_command", {"cmd": cmd, "yield_time_ms": 500}, call_id="e1")]),
        Turn([Call("write_stdin", {"session_id": 1, "yield_time_ms": 30000}, call_id="w1")]),
    )
    offered = _offered(server.requests[0].json)
    assert offered[:2] == ["exec_command", "write_stdin"] and "shell" not in offered
    first = seen(server, "e1")
    assert "Process running with session ID 1" in first and first.endswith("Output:\none\n")
    last = seen(server, "w1")
    assert "Process exited with code 4" in last and last.endswith("Output:\ntwo\n")
    # One command_execution item: started while running, completed when it exited.
    commands = [e for e in events if e.get("item", {}).get("type") == "command_execution"]
    assert [e["type"] for e in commands] == ["item.started", "item.completed"]
    done = commands[1]["item"]
    assert done["command"] == cmd and done["exit_code"] == 4 and done["status"] == "failed"
    assert done["aggregated_output"] == "one\ntwo\n"


def test_background_commands_die_when_the_session_ends(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    marker = f"600.{os.getpid()}7"  # a sleep nobody else runs
    cmd = f"sleep {marker} & sleep {marker}"
    run(
        server,
        "responses",
        repo,
        burro_home,
        Turn([Call("exec_command", {"cmd": cmd, "yield_time_ms": 250}, call_id="bg")]),
    )
    assert "Process running with session ID 1" in seen(server, "bg")
    deadline = time.monotonic() + 10
    while _pids_running(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pids_running(marker) == []


def test_exec_command_passes_the_command_gate_and_patch_interception(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    # The gate knows exec_command as shell-like (a capability), not by name: a forbid
    # rule declines it, and a heredoc apply_patch through it becomes a patch.
    _seed(repo)
    rule = 'rules=[{prefix=["touch"],decision="forbid"}]'
    heredoc = f"apply_patch <<'EOF'\n{PATCH}EOF"
    server.add_turns(
        Turn([Call("exec_command", {"cmd": "touch forbidden.txt"}, call_id="x1")]),
        Turn([Call("exec_command", {"cmd": heredoc}, call_id="x2")]),
        DONE,
    )
    res = run_exec(
        ["--json", *provider_args(server, "responses"), "-c", rule, "do the task"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    events = res.events()
    (declined,) = completed(events, "command_execution")
    assert declined["status"] == "declined" and declined["command"] == "touch forbidden.txt"
    assert seen(server, "x1").startswith("command rejected")
    assert not (repo / "forbidden.txt").exists()
    (change,) = completed(events, "file_change")
    assert change["status"] == "completed"
    assert (repo / "notes.txt").read_bytes() == b"alpha\nBETA\ngamma\ndelta\n"
    told = seen(server, "x2")
    assert told.startswith(SUMMARY) and "call the apply_patch tool directly" in told


@pytest.mark.parametrize("wire", WIRES)
def test_undecodable_file_names_reach_the_model_replaced(
    wire: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    os.close(os.open(os.fsencode(repo) + b"/caf\xe9.txt", os.O_CREAT | os.O_WRONLY))
    run(server, wire, repo, burro_home, Turn([Call("list_dir", {"dir_path": "."}, call_id="ls")]))
    assert "caf\ufffd.txt" in seen(server, "ls").splitlines()
    (rollout,) = (burro_home / "sessions").rglob("rollout-*.jsonl")
    assert "caf\ufffd.txt" in rollout.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("sandbox", "target", "reason"),
    [
        ("workspace-write", ".git/hooks/post-checkout", "writing outside of the project"),
        ("read-only", "notes.txt", "writing is blocked by read-only sandbox"),
    ],
)
def test_the_patch_gate_refuses_protected_and_read_only_targets(
    sandbox: str, target: str, reason: str, server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    _seed(repo)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    patch = f"*** Begin Patch\n*** Add File: {target}.new\n+#!/bin/sh\n*** End Patch\n"
    server.add_turns(Turn([Custom("apply_patch", patch, call_id="p1")]), DONE)
    res = run_exec(
        ["--json", *provider_args(server, "responses"), "-s", sandbox, "do the task"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before  # nothing written
    assert seen(server, "p1") == f"patch rejected: {reason}; rejected by user approval settings"
    (change,) = completed(res.events(), "file_change")
    assert change["status"] == "failed"
