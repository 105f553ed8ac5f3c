"""The command line as a new user meets it (issue 11): real `burro` subprocesses, the
fake model server on loopback, a pseudo-terminal where a terminal matters."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import BURRO, burro_env, provider_args, run_burro, run_exec
from tests.e2e.pty_run import run_in_pty
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Reasoning, Text, Turn

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def burro(
    args: list[str], *, cwd: Path, home: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    res = run_burro(args, cwd=cwd, home=home, stdin=stdin)
    return subprocess.CompletedProcess(args, res.code, res.stdout, res.stderr)


# -- item 3: unknown subcommands and the UI without a terminal -----------------------------


def test_unknown_word_is_an_error_with_a_suggestion_not_a_prompt(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    res = burro(["doctr", *provider_args(server, "responses")], cwd=repo, home=burro_home)
    assert res.returncode == 2
    assert "unknown command 'doctr'" in res.stderr and "burro doctor" in res.stderr
    assert res.stderr.count("\n") == 1
    res = burro(["version"], cwd=repo, home=burro_home)
    assert res.returncode == 2 and "burro --version" in res.stderr
    assert server.requests == []


def test_ui_without_a_terminal_exits_at_once(repo: Path, burro_home: Path) -> None:
    for args in (["say hello"], ["--", "doctr"], [], ["resume", "--last"]):
        res = burro(args, cwd=repo, home=burro_home)  # stdin is /dev/null, not a terminal
        assert res.returncode == 1, args
        assert (
            res.stderr == "error: stdin is not a terminal; use `burro exec` for scripts and pipes\n"
        )


# -- item 7 and 15: config errors and options after the prompt, in a terminal -------------


def test_config_typo_in_the_ui_is_one_line(repo: Path, burro_home: Path) -> None:
    env = burro_env(burro_home)
    res = run_in_pty([str(BURRO), "-c", "foo=bar"], cwd=repo, env=env)
    assert res.code == 1
    assert "unknown key `foo`" in res.output
    assert "needs a model provider" not in res.output and "\x1b[?1049h" not in res.output


def test_ui_refuses_a_non_image_before_opening(repo: Path, burro_home: Path) -> None:
    (repo / "notes.txt").write_text("just text\n")
    res = run_in_pty(
        [str(BURRO), "look at this", "-i", "notes.txt"], cwd=repo, env=burro_env(burro_home)
    )
    assert res.code == 1 and "notes.txt: not an image" in res.output


# -- exec: items 6, 12, 13, 16 ------------------------------------------------------------


def test_unwritable_output_file_fails_before_the_first_request(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("ok")]))
    res = run_exec(
        [*provider_args(server, "responses"), "-o", "/nonexistent/dir/out.txt", "hi"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 1
    assert "does not exist" in res.stderr and "Traceback" not in res.stderr
    assert server.requests == []


def test_non_image_is_refused_before_the_request(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    (repo / "notes.txt").write_text("meeting notes\n")
    (repo / "renamed.png").write_text("still text\n")
    (repo / "shot.dat").write_bytes(PNG)
    for name in ("notes.txt", "renamed.png"):
        res = run_exec(
            [*provider_args(server, "responses"), "-i", name, "hi"], cwd=repo, home=burro_home
        )
        assert res.code == 1 and f"{name}: not an image" in res.stderr
    assert server.requests == []
    server.add_turns(Turn([Text("I see it")]))
    res = run_exec(
        [*provider_args(server, "responses"), "-i", "shot.dat", "hi"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    assert "data:image/png;base64," in server.requests[0].body.decode()


def test_exec_in_a_terminal_prints_the_answer_once_and_honours_no_color(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    argv = [str(BURRO), "exec", *provider_args(server, "responses"), "hi"]
    env = burro_env(burro_home)  # NO_COLOR=1
    server.add_turns(Turn([Text("THE-ANSWER")]))
    res = run_in_pty(argv, cwd=repo, env=env)
    assert res.code == 0, res.output
    assert res.output.count("THE-ANSWER") == 1
    assert "\x1b[" not in res.output
    del env["NO_COLOR"]
    server.add_turns(Turn([Text("THE-ANSWER")]))
    res = run_in_pty(argv, cwd=repo, env=env)
    assert res.code == 0 and "\x1b[" in res.output  # colour is on in a terminal otherwise


def test_json_lines_are_compact(repo: Path, burro_home: Path, server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("ok")]))
    res = run_exec(["--json", *provider_args(server, "responses"), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0
    first = res.stdout.splitlines()[0]
    assert first.startswith('{"type":"thread.started","thread_id":"'), first
    assert all(", " not in line.split('"text"')[0] for line in res.stdout.splitlines())


def test_piped_stdin_is_appended_to_the_prompt(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("reviewed")]), Turn([Text("plain")]))
    res = run_exec(
        [*provider_args(server, "responses"), "review this diff"],
        cwd=repo,
        home=burro_home,
        stdin="+added line\n",
    )
    assert res.code == 0, res.stderr
    sent = json.dumps(server.requests[0].json["input"])
    assert "review this diff\\n\\n<stdin>\\n+added line\\n</stdin>" in sent
    # stdin that is open but silent (a CI job's) neither hangs nor adds anything
    err_file = repo.parent / "stderr.txt"
    with err_file.open("w") as err:
        proc = subprocess.Popen(
            [str(BURRO), "exec", *provider_args(server, "responses"), "just this"],
            cwd=repo,
            env=burro_env(burro_home),
            stdin=subprocess.PIPE,  # kept open, nothing written, until burro has exited
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            assert proc.stdin is not None
            proc.stdin.close()
    assert code == 0, err_file.read_text()
    assert "stdin is open but sent nothing" in err_file.read_text()  # said, not silent
    assert "<stdin>" not in json.dumps(server.requests[1].json["input"])


# -- item 11: config keys that do something, or say they do not ---------------------------


def test_notify_runs_the_program_with_a_json_payload(
    repo: Path, burro_home: Path, server: FakeModelServer, tmp_path: Path
) -> None:
    out = tmp_path / "notified.json"
    script = tmp_path / "notify.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {out}.tmp && mv {out}.tmp {out}\n')
    script.chmod(0o755)
    (burro_home / "config.toml").write_text(f'notify = ["{script}"]\n')
    server.add_turns(Turn([Text("all done")]))
    res = run_exec([*provider_args(server, "responses"), "do it"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    import time

    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    payload = json.loads(out.read_text())
    assert payload["type"] == "agent-turn-complete"
    assert payload["last-assistant-message"] == "all done"
    assert payload["input-messages"] == ["do it"]
    assert payload["cwd"] == str(repo) and payload["thread-id"]


def test_hide_agent_reasoning_hides_it(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    turn = Turn([Reasoning("SECRET-THOUGHTS"), Text("answer")])
    server.add_turns(turn, turn)
    args = [*provider_args(server, "responses"), "hi"]
    shown = run_exec(args, cwd=repo, home=burro_home)
    assert "SECRET-THOUGHTS" in shown.stderr
    hidden = run_exec(["-c", "hide_agent_reasoning=true", *args], cwd=repo, home=burro_home)
    assert hidden.code == 0 and "SECRET-THOUGHTS" not in hidden.stderr + hidden.stdout


def test_codex_tables_warn_and_typos_fail(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    (burro_home / "config.toml").write_text(
        '[mcp_servers.docs]\ncommand = "docs-server"\n\n[tui]\nnotifications = true\n'
    )
    server.add_turns(Turn([Text("started anyway")]))
    res = run_exec([*provider_args(server, "responses"), "hi"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    # An optional MCP server that cannot start is a warning; the task still runs.
    assert "MCP server `docs` is unavailable" in res.stderr and "not found" in res.stderr
    assert "`tui` is a Codex setting" in res.stderr
    (burro_home / "config.toml").write_text("hide_agent_reasonin = true\n")
    res = run_exec([*provider_args(server, "responses"), "hi"], cwd=repo, home=burro_home)
    assert res.code == 1 and "unknown key `hide_agent_reasonin`" in res.stderr


# -- rough edges: login, doctor, completion, --oss ----------------------------------------


def test_login_stores_the_key_privately_and_exec_uses_it(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    res = burro(
        ["login", "--provider", "fake", "--with-api-key"],
        cwd=repo,
        home=burro_home,
        stdin="sk-stored-123\n",
    )
    assert res.returncode == 0, res.stderr
    creds = burro_home / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert (
        "sk-stored-123" not in (burro_home / "config.toml").read_text()
        if (burro_home / "config.toml").exists()
        else True
    )
    server.add_turns(Turn([Text("ok")]))
    env = burro_env(burro_home)
    del env["FAKE_KEY"]
    proc = subprocess.run(
        [str(BURRO), "exec", *provider_args(server, "responses"), "hi"],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert server.requests[0].headers.get("authorization") == "Bearer sk-stored-123"
    res = burro(["logout", "--provider", "fake"], cwd=repo, home=burro_home)
    assert res.returncode == 0 and "sk-stored-123" not in creds.read_text()


def test_doctor_reports_one_line_each(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    args = ["doctor", *provider_args(server, "responses")[:4]]  # -c provider, -c table
    res = burro(args, cwd=repo, home=burro_home)
    lines = res.stdout.splitlines()
    names = [line.split()[1] for line in lines]
    assert names == ["config", "key", "provider", "sandbox", "git", "ripgrep"], res.stdout
    assert res.returncode == 0, res.stdout
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bad = [a.replace(server.base_url, f"http://127.0.0.1:{port}/v1") for a in args]
    res = burro(bad, cwd=repo, home=burro_home)
    assert res.returncode == 1
    assert any(
        line.startswith("✗ provider") and "cannot reach" in line for line in res.stdout.splitlines()
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(repo: Path, burro_home: Path, shell: str) -> None:
    res = burro(["completion", shell], cwd=repo, home=burro_home)
    assert res.returncode == 0 and "_BURRO_COMPLETE" in res.stdout
    if shell == "bash":
        env = {
            **burro_env(burro_home),
            "_BURRO_COMPLETE": "bash_complete",
            "COMP_WORDS": "burro do",
            "COMP_CWORD": "1",
        }
        out = subprocess.run([str(BURRO)], env=env, capture_output=True, text=True, timeout=30)
        assert "doctor" in out.stdout


def test_oss_without_a_local_server_is_one_line(repo: Path, burro_home: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    override = f'model_providers.ollama.base_url="http://127.0.0.1:{port}/v1"'
    res = run_exec(["--oss", "-c", override, "hi"], cwd=repo, home=burro_home, timeout=20)
    assert res.code == 1
    assert res.stderr.count("\n") == 1 and "no local model server listens" in res.stderr


def test_help_has_descriptions_and_examples(repo: Path, burro_home: Path) -> None:
    for args in (["--help"], ["exec", "--help"], ["login", "--help"]):
        out = burro(args, cwd=repo, home=burro_home).stdout
        assert "Examples:" in out, args
    assert os.linesep


# -- rough edges in exec's progress ------------------------------------------------------

_NOISY = "for i in $(seq 1 40); do echo test_$i PASSED; done; echo '1 failed, 39 passed'"


def test_exec_progress_reads_like_a_terminal(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    patch = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch\n"
    server.add_turns(
        Turn(
            [
                Call("shell", {"command": ["bash", "-lc", _NOISY]}, call_id="c1"),
                Call("read_file", {"file_path": "README.md"}, call_id="c2"),
                Call("apply_patch", {"input": patch}, call_id="c3"),
            ]
        ),
        Turn([Text("done")]),
    )
    res = run_exec(
        [*provider_args(server, "responses"), "-s", "read-only", "go"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    err = res.stderr
    assert "1 failed, 39 passed" in err and "earlier lines" in err  # the tail, not the head
    assert "bash -lc" not in err and "exec for i in $(seq 1 40)" in err
    assert "read_file README.md\n  ✓ " in err and '{"file_path"' not in err
    assert "apply_patch not applied" in err and "✓" not in err.split("apply_patch")[1]
