"""The sandbox and exec's approval policy, end to end through `burro exec`."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.conftest import BURRO, burro_env, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Custom, Text, Turn

PATCH = "*** Begin Patch\n*** Update File: notes.txt\n@@\n-old\n+new\n*** End Patch\n"


def _output_for(server: FakeModelServer, index: int, call_id: str) -> str:
    for item in server.requests[index].json["input"]:
        if item.get("call_id") == call_id and item["type"].endswith("_output"):
            return str(item["output"])
    raise AssertionError(f"no output for {call_id}")


def test_read_only_default_reports_denials_the_model_can_reason_about(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "notes.txt").write_text("old\n")
    server.add_turns(
        Turn([Call("shell", {"command": "touch made.txt"}, call_id="w1")]),
        Turn([Custom("apply_patch", PATCH, call_id="p1")]),
        Turn([Text("I cannot write here.")]),
    )
    args = [a for a in provider_args(server, "responses") if a not in ("-s", "workspace-write")]
    res = run_exec(["--json", *args, "make changes"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert not (repo / "made.txt").exists()
    assert (repo / "notes.txt").read_text() == "old\n"
    shell_out = _output_for(server, 1, "w1")
    assert "Read-only file system" in shell_out and "Exit code: 1" in shell_out
    patch_out = _output_for(server, 2, "p1")
    assert "writing is blocked by read-only sandbox" in patch_out


def test_workspace_write_denies_writes_outside_and_in_git(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    # Not under /tmp: the sandbox gives commands a fresh private /tmp.
    outside = Path(tempfile.mkdtemp(prefix="burro-outside-", dir="/var/tmp"))
    try:
        _denied_outside(server, repo, burro_home, outside)
    finally:
        shutil.rmtree(outside)


def _denied_outside(server: FakeModelServer, repo: Path, burro_home: Path, outside: Path) -> None:
    server.add_turns(
        Turn([Call("shell", {"command": f"echo x > {outside}/escape.txt"}, call_id="o1")]),
        Turn([Call("shell", {"command": "echo x > .git/hooks/pre-commit"}, call_id="g1")]),
        Turn([Call("shell", {"command": "echo fine > inside.txt"}, call_id="i1")]),
        Turn([Text("done")]),
    )
    res = run_exec(["--json", *provider_args(server, "chat"), "try"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert not (outside / "escape.txt").exists()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert (repo / "inside.txt").read_text() == "fine\n"
    bodies = [r.body.decode() for r in server.requests]
    assert "Read-only file system" in bodies[1] or "Permission denied" in bodies[1]
    assert "Read-only file system" in bodies[2] or "Permission denied" in bodies[2]


def test_full_auto_edits_the_workspace(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "notes.txt").write_text("old\n")
    server.add_turns(
        Turn([Custom("apply_patch", PATCH, call_id="p1")]),
        Turn([Call("shell", {"command": "echo built > out.txt"}, call_id="s1")]),
        Turn([Text("edited")]),
    )
    args = [a for a in provider_args(server, "responses") if a not in ("-s", "workspace-write")]
    res = run_exec(["--full-auto", *args, "edit"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert (repo / "notes.txt").read_text() == "new\n"
    assert (repo / "out.txt").read_text() == "built\n"


def test_dangerous_command_is_declined_in_exec(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "build").mkdir()
    server.add_turns(
        Turn([Call("shell", {"command": "ls && rm -rf build"}, call_id="d1")]),
        Turn([Text("ok, I will not delete it")]),
    )
    res = run_exec(
        ["--json", *provider_args(server, "responses"), "clean"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    assert (repo / "build").is_dir()
    items = [e["item"] for e in res.events() if e["type"] == "item.completed"]
    declined = [i for i in items if i["type"] == "command_execution"]
    assert declined[0]["status"] == "declined"
    assert "command rejected" in _output_for(server, 1, "d1")


def test_api_keys_do_not_reach_commands(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(
        Turn(
            [
                Call(
                    "shell",
                    {
                        "command": "echo key=${OPENAI_API_KEY:-none} fake=${FAKE_KEY:-none} "
                        "sandbox=$BURRO_SANDBOX"
                    },
                    call_id="k1",
                )
            ]
        ),
        Turn([Text("checked")]),
    )
    env = {**burro_env(burro_home), "OPENAI_API_KEY": "sk-secret-123"}
    proc = subprocess.run(
        [str(BURRO), "exec", "--json", *provider_args(server, "responses"), "env"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = _output_for(server, 1, "k1")
    assert "key=none fake=none sandbox=bwrap" in out
    assert "sk-secret-123" not in json.dumps([r.json for r in server.requests])


def test_patch_in_a_workdir_reports_paths_from_the_session_directory(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    (repo / "sub").mkdir()
    (repo / "sub" / "f.txt").write_text("old\n")
    patch = "*** Begin Patch\n*** Update File: f.txt\n@@\n-old\n+new\n*** End Patch\n"
    server.add_turns(
        Turn(
            [
                Call(
                    "shell",
                    {"command": f"cd sub && apply_patch <<'EOF'\n{patch}EOF\n"},
                    call_id="p",
                )
            ]
        ),
        Turn([Text("patched")]),
    )
    res = run_exec(["--json", *provider_args(server, "chat"), "edit"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert (repo / "sub" / "f.txt").read_text() == "new\n"
    changes = [
        e["item"]["changes"]
        for e in res.events()
        if e["type"] == "item.completed" and e["item"]["type"] == "file_change"
    ]
    assert changes == [[{"path": "sub/f.txt", "kind": "update"}]]


def test_declined_command_shows_in_human_output(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(
        Turn([Call("shell", {"command": "rm -rf build"}, call_id="d1")]), Turn([Text("kept")])
    )
    res = run_exec([*provider_args(server, "chat"), "clean"], cwd=repo, home=burro_home)
    assert res.code == 0 and res.stdout == "kept\n"
    assert "exec rm -rf build" in res.stderr and "declined" in res.stderr
