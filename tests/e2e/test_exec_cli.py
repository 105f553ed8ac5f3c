"""The exec command line: git check, config errors, credentials, schema, AGENTS.md."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.conftest import BURRO, provider_args, run_burro, run_exec, start_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.fakes.workspace import fake_provider_overrides


def test_version() -> None:
    out = subprocess.run([str(BURRO), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("burro, version ")


def test_refuses_outside_git_repo(
    tmp_path: Path, burro_home: Path, server: FakeModelServer
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    res = run_exec([*provider_args(server, "chat"), "hi"], cwd=plain, home=burro_home)
    assert res.code == 1
    assert "Not inside a git repository" in res.stderr and "--skip-git-repo-check" in res.stderr
    assert server.requests == []
    server.add_turns(Turn([Text("ok")]))
    res = run_exec(
        ["--skip-git-repo-check", *provider_args(server, "chat"), "hi"], cwd=plain, home=burro_home
    )
    assert res.code == 0 and res.stdout == "ok\n"


def test_bad_config_value_is_one_line_exit_1(repo: Path, burro_home: Path) -> None:
    res = run_exec(["-c", "model_reasoning_effort=huge", "hi"], cwd=repo, home=burro_home)
    assert res.code == 1
    assert res.stderr.count("\n") == 1 and "model_reasoning_effort" in res.stderr
    assert res.stdout == ""


def test_missing_api_key_says_which_variable(repo: Path, burro_home: Path) -> None:
    res = run_exec(["hi"], cwd=repo, home=burro_home)
    assert res.code == 1
    assert "OPENAI_API_KEY is not set" in res.stderr and "Traceback" not in res.stderr


def test_unknown_codex_flags_warn_not_fail(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("ok")]))
    res = run_exec(
        ["--thread-source", "sdk", "--json", *provider_args(server, "responses"), "hi"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0
    assert "--thread-source is accepted for compatibility and ignored" in res.stderr
    assert all(json.loads(line) for line in res.stdout.splitlines())  # stdout is JSON only


def test_output_schema_effort_and_agents_md_reach_the_model(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    (repo / "AGENTS.md").write_text("Always answer in JSON.\n")
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    (repo / "schema.json").write_text(json.dumps(schema))
    server.add_turns(Turn([Text('{"ok": true}')]))
    res = run_exec(
        [
            *provider_args(server, "responses"),
            "--output-schema",
            "schema.json",
            "-c",
            "model_reasoning_effort=high",
            "check",
        ],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    assert json.loads(res.stdout) == {"ok": True}
    body = server.requests[0].json
    assert body["text"]["format"]["schema"] == schema
    assert body["reasoning"]["effort"] == "high"
    sent = json.dumps(body["input"])
    assert "Always answer in JSON." in sent and "<environment_context>" in sent


def test_bad_output_schema_file(repo: Path, burro_home: Path) -> None:
    (repo / "bad.json").write_text("{nope")
    res = run_exec(["--output-schema", "bad.json", "hi"], cwd=repo, home=burro_home)
    assert res.code == 1 and "not valid JSON" in res.stderr


def test_session_is_written_unless_ephemeral(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], cwd=repo, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    server.add_turns(Turn([Text("one")]), Turn([Text("two")]))
    assert run_exec([*provider_args(server, "chat"), "hi"], cwd=repo, home=burro_home).code == 0
    files = list((burro_home / "sessions").rglob("rollout-*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(x) for x in files[0].read_text().splitlines()]
    meta = lines[0]["payload"]
    assert lines[0]["type"] == "session_meta" and meta["cwd"] == str(repo)
    assert (meta["git_commit"], meta["git_branch"]) == (head, "main")
    assert any(x["type"] == "item" and x["payload"].get("role") == "assistant" for x in lines)
    assert (
        run_exec(
            ["--ephemeral", *provider_args(server, "chat"), "hi"], cwd=repo, home=burro_home
        ).code
        == 0
    )
    assert len(list((burro_home / "sessions").rglob("rollout-*.jsonl"))) == 1


def test_output_into_a_closed_pipe_exits_1_quietly(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    """`burro exec … | head -0`: the reader is gone before the answer is written."""
    server.add_turns(Turn([Text("a long answer nobody reads")]))
    proc = start_exec(
        ["--json", *provider_args(server, "responses"), "hi"], cwd=repo, home=burro_home
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_options_before_exec_apply_and_exec_s_own_win(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    """`burro -m X exec …` (Codex's global options): X is used, not silently dropped."""
    provider, table = fake_provider_overrides(server.base_url, "responses")
    server.add_turns(Turn([Text("one")]), Turn([Text("two")]))
    first = run_burro(
        ["-c", provider, "-c", table, "-m", "root-model", "-a", "never", "exec", "hi"],
        cwd=repo,
        home=burro_home,
    )
    assert first.code == 0, first.stderr
    assert "-a/--ask-for-approval does not apply to exec" in first.stderr
    second = run_burro(
        ["-c", provider, "-m", "root-model", "exec", "-c", table, "-m", "own-model", "hi"],
        cwd=repo,
        home=burro_home,
    )
    assert second.code == 0, second.stderr
    assert [r.json["model"] for r in server.requests] == ["root-model", "own-model"]


def test_a_zero_after_exec_is_kept_when_options_come_before_exec(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    """`burro -m X exec --completion-nudges 0`: the 0 given after `exec` wins over the
    config's nudges, as it does without the options before `exec`."""
    provider, table = fake_provider_overrides(server.base_url, "responses")
    plan = {"plan": [{"step": "run tests", "status": "pending"}]}
    server.add_turns(Turn([Call("update_plan", plan)]), Turn([Text("I think I am done")]))
    res = run_burro(
        ["-c", provider, "-c", table, "-c", "completion_nudges=2", "-m", "gpt-5.5",
         "exec", "--completion-nudges", "0", "work"],
        cwd=repo,
        home=burro_home,
    )  # fmt: skip
    assert res.code == 0, res.stderr
    assert res.stdout == "I think I am done\n"
    assert len(server.requests) == 2  # no nudge
