"""Sessions and inputs that used to hang, crash or corrupt the session file: two processes
continuing one session, undecodable bytes in prompts, a full disk or file size limit, a
damaged line, a huge command output, and a broken config or BURRO_HOME. Each ends with a
one-line error (or completes), never a traceback or a hang, and the session resumes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    BURRO,
    ExecResult,
    burro_env,
    provider_args,
    run_exec,
    start_exec,
)
from tests.fakes.model_server import FakeModelServer, RecordedRequest
from tests.fakes.script import Call, Text, Turn


def _thread(stdout: str) -> str:
    return str(json.loads(stdout.splitlines()[0])["thread_id"])


def _rollout(home: Path) -> Path:
    (path,) = [
        p
        for p in (home / "sessions").rglob("*.jsonl")
        if b"forked_from" not in p.read_bytes()[:4096]
    ]
    return path


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _run_bytes(
    args: list[bytes],
    *,
    cwd: Path,
    home: Path,
    stdin: bytes | None = None,
    prefix: list[str] = (),  # type: ignore[assignment]
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*[a.encode() for a in prefix], str(BURRO).encode(), b"exec", *args],
        cwd=cwd,
        env={**burro_env(home), **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )


def _start(server: FakeModelServer, repo: Path, home: Path, prompt: str = "first") -> str:
    res = run_exec(["--json", *provider_args(server, "responses"), prompt], cwd=repo, home=home)
    assert res.code == 0, res.stderr
    return _thread(res.stdout)


def _resume(
    thread: str,
    repo: Path,
    home: Path,
    *,
    prompt: str = "go on",
    reply: str = "again",
    json_out: bool = False,
) -> tuple[ExecResult, RecordedRequest]:
    """`burro exec resume THREAD PROMPT` against a fresh fake model that says ``reply``:
    the run (it must succeed) and the model's first request."""
    mode = ["--json"] if json_out else []
    with FakeModelServer([Turn([Text(reply)])]) as srv:
        res = run_exec(
            [*mode, *provider_args(srv, "responses"), "resume", thread, prompt],
            cwd=repo,
            home=home,
        )
        assert res.code == 0, res.stderr
        return res, srv.requests[0]


def _pairs_ok(items: list[dict[str, object]]) -> bool:
    calls = [i["call_id"] for i in items if i.get("type") == "function_call"]
    outs = [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    return sorted(map(str, calls)) == sorted(map(str, outs)) and all(
        any(c == o for c in calls[: k + 1]) for k, o in enumerate(outs)
    )


# -- two processes, one session --------------------------------------------------------


def test_a_second_process_resuming_a_busy_session_is_refused(repo: Path, burro_home: Path) -> None:
    with FakeModelServer([Turn([Text("one")])]) as srv:
        thread = _start(srv, repo, burro_home)
    wait = "touch started; while [ ! -e go ]; do sleep 0.05; done; echo waited"
    with FakeModelServer(
        [Turn([Call("shell", {"command": wait, "timeout_ms": 120_000})]), Turn([Text("a done")])]
    ) as srv_a:
        first = start_exec(
            [*provider_args(srv_a, "responses"), "resume", thread, "wait"],
            cwd=repo,
            home=burro_home,
        )
        try:
            deadline = time.monotonic() + 30
            while not (repo / "started").exists():  # the command is waiting for `go`
                assert time.monotonic() < deadline and first.poll() is None
                time.sleep(0.02)
            with FakeModelServer([Turn([Text("b done")])]) as srv_b:
                second = run_exec(
                    [*provider_args(srv_b, "responses"), "resume", thread, "REFUSED-PROMPT"],
                    cwd=repo,
                    home=burro_home,
                )
                assert srv_b.requests == []
            # The way out the error names works while the session is busy.
            forked = subprocess.run(
                [str(BURRO), "fork", thread],
                cwd=repo,
                env=burro_env(burro_home),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert forked.returncode == 0, forked.stderr
        finally:
            (repo / "go").touch()
            out, err = first.communicate(timeout=60)
    assert second.code == 1
    line = _one_line_error(second.stderr)
    assert f"is in use by burro process {first.pid}" in line and "burro fork" in line
    assert first.returncode == 0, err
    assert out == "a done\n"
    # Nothing of the refused process reached the session file; the session goes on.
    assert b"REFUSED-PROMPT" not in _rollout(burro_home).read_bytes()
    _, request = _resume(thread, repo, burro_home, prompt="again", reply="third")
    assert request.body.startswith(srv_a.requests[-1].body[:-2])


# -- undecodable bytes in prompts ------------------------------------------------------


@pytest.mark.parametrize("where", ["argv", "stdin", "stdin-strict"])
def test_undecodable_prompt_bytes_complete_and_resume(
    where: str, repo: Path, burro_home: Path
) -> None:
    raw = b"fix caf\xe9 and \xff\xfe please"
    with FakeModelServer([Turn([Text("done")])]) as srv:
        args = [a.encode() for a in ["--json", *provider_args(srv, "responses")]]
        if where == "argv":
            res = _run_bytes([*args, raw], cwd=repo, home=burro_home)
        else:
            # "strict": how stdin decodes under most UTF-8 locales (not C.UTF-8).
            strict = {"PYTHONIOENCODING": "utf-8:strict"} if where == "stdin-strict" else {}
            res = _run_bytes(
                [*args, b"-"], cwd=repo, home=burro_home, stdin=raw + b"\n", env=strict
            )
        assert res.returncode == 0, res.stderr.decode(errors="replace")
        body = srv.requests[0].body
    assert "fix caf\ufffd and \ufffd\ufffd please".encode() in body
    _, request = _resume(_thread(res.stdout.decode()), repo, burro_home)
    assert request.body.startswith(body[:-2])


def test_undecodable_file_names_reach_the_model_and_resume(repo: Path, burro_home: Path) -> None:
    (repo / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    script = [
        Turn([Call("list_dir", {"dir_path": str(repo)}), Call("shell", {"command": "ls"})]),
        Turn([Text("listed")]),
    ]
    with FakeModelServer(script) as srv:
        thread = _start(srv, repo, burro_home, "list the files")
        seen = srv.requests[-1].body
    assert "caf\ufffd.txt".encode() in seen
    _, request = _resume(thread, repo, burro_home)
    assert request.body.startswith(seen[:-2])


# -- a full disk / file size limit -----------------------------------------------------


def test_a_file_size_limit_mid_turn_is_one_line_and_the_session_resumes(
    repo: Path, burro_home: Path
) -> None:
    if shutil.which("prlimit") is None:
        pytest.skip("prlimit (util-linux) is not installed")
    big = "seq 1 20000"  # ~110 kB of output: the model-facing 10 kB does not fit below
    with FakeModelServer([Turn([Call("shell", {"command": big})]), Turn([Text("x")])]) as srv:
        args = [a.encode() for a in ["--json", *provider_args(srv, "responses"), "count"]]
        res = _run_bytes(args, cwd=repo, home=burro_home, prefix=["prlimit", "--fsize=9000", "--"])
    stderr = res.stderr.decode()
    assert res.returncode == 1, stderr
    events = [json.loads(ln) for ln in res.stdout.decode().splitlines()]
    assert "Traceback" not in stderr
    assert events[-1]["type"] == "turn.failed"
    message = events[-1]["error"]["message"]
    assert "cannot write the session file" in message and "File too large" in message
    raw = _rollout(burro_home).read_bytes()
    assert raw.endswith(b"\n") and len(raw) <= 9000
    _, request = _resume(
        _thread(res.stdout.decode()), repo, burro_home, prompt="go", reply="resumed", json_out=True
    )
    assert _pairs_ok(request.json["input"])


def test_a_full_disk_is_one_line_error(repo: Path, burro_home: Path) -> None:
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount -t tmpfs -o size=16k tmpfs {burro_home}"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN)")
    with FakeModelServer(
        [Turn([Call("shell", {"command": "seq 1 20000"})]), Turn([Text("x")])]
    ) as srv:
        cmd = " ".join([f"mount -t tmpfs -o size=16k tmpfs {burro_home} &&", "exec", '"$@"'])
        res = _run_bytes(
            [a.encode() for a in ["--json", *provider_args(srv, "responses"), "count"]],
            cwd=repo,
            home=burro_home,
            prefix=["unshare", "--mount", "sh", "-c", cmd, "sh"],
        )
    assert res.returncode == 1, res.stderr.decode()
    assert "Traceback" not in res.stderr.decode()
    last = json.loads(res.stdout.decode().splitlines()[-1])
    assert last["type"] == "turn.failed"
    assert "No space left on device" in last["error"]["message"]


# -- a damaged line in the middle ------------------------------------------------------


def test_a_damaged_line_is_reported_and_the_history_stays_valid(
    repo: Path, burro_home: Path
) -> None:
    script = [
        Turn([Call("shell", {"command": "echo one"}, call_id="call_a")]),
        Turn([Call("shell", {"command": "echo two"}, call_id="call_b")]),
        Turn([Text("done")]),
    ]
    with FakeModelServer(script) as srv:
        thread = _start(srv, repo, burro_home, "two steps")
    path = _rollout(burro_home)
    lines = path.read_bytes().split(b"\n")
    hit = next(
        i for i, ln in enumerate(lines) if b'"type":"function_call","call_id":"call_a"' in ln
    )
    lines[hit] = lines[hit][: len(lines[hit]) // 2] + b"\x00garbage}"
    path.write_bytes(b"\n".join(lines))
    res, request = _resume(thread, repo, burro_home, reply="resumed")
    items = request.json["input"]
    assert _pairs_ok(items)
    assert [i["call_id"] for i in items if i["type"] == "function_call"] == ["call_b"]
    assert f"damaged line(s) skipped (line {hit + 1})" in res.stderr


# -- a huge command output -------------------------------------------------------------


def test_a_huge_command_output_keeps_the_session_file_small(repo: Path, burro_home: Path) -> None:
    with FakeModelServer(
        [Turn([Call("shell", {"command": "seq 1 2000000"})]), Turn([Text("counted")])]
    ) as srv:
        thread = _start(srv, repo, burro_home, "count")  # ~14.9 MB of output
        seen = srv.requests[-1].body
    assert _rollout(burro_home).stat().st_size < 2_500_000
    _, request = _resume(thread, repo, burro_home)
    assert request.body.startswith(seen[:-2])  # the model's copy is exact


# -- broken config or BURRO_HOME -------------------------------------------------------


def test_a_non_utf8_config_is_one_line_error(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    (burro_home / "config.toml").write_bytes(b'model = "caf\xe9"\n')
    res = run_exec([*provider_args(server, "responses"), "hi"], cwd=repo, home=burro_home)
    assert res.code == 1
    line = _one_line_error(res.stderr)
    assert "config.toml: not valid UTF-8" in line and "save it as UTF-8" in line


def test_a_burro_home_below_a_file_is_one_line_error(
    repo: Path, tmp_path: Path, server: FakeModelServer
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    res = run_exec([*provider_args(server, "responses"), "hi"], cwd=repo, home=blocker / "home")
    assert res.code == 1
    line = _one_line_error(res.stderr)
    assert f"{blocker} is a file, not a folder" in line and "BURRO_HOME" in line


def test_an_unwritable_burro_home_is_one_line_error(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    # Root writes through permission bits, so make the folder a read-only mount.
    cmd = f'mount --bind -o ro {burro_home} {burro_home} && exec "$@"'
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", cmd, "sh", "true"], check=False)
    if probe.returncode != 0:
        pytest.skip("cannot make a read-only mount here (needs root with CAP_SYS_ADMIN)")
    args = [a.encode() for a in [*provider_args(server, "responses"), "hi"]]
    res = _run_bytes(
        args, cwd=repo, home=burro_home, prefix=["unshare", "--mount", "sh", "-c", cmd, "sh"]
    )
    assert res.returncode == 1
    line = _one_line_error(res.stderr.decode())
    assert "Read-only file system" in line and "BURRO_HOME" in line
