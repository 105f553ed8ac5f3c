"""`burro mcp add|list|get|remove` edit config.toml and leave the rest of it alone."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.e2e.conftest import run_burro


def test_add_list_get_remove(repo: Path, burro_home: Path, toy: list[str]) -> None:
    config = burro_home / "config.toml"
    config.write_text('# my settings\nmodel = "gpt-5.5"\n\n[shell]\nmax_sessions = 4\n')
    res = run_burro(
        ["mcp", "add", "toy", "--env", "TOY_MODE=test", "--approval", "always",
         "--", *toy, "--sleep", "0"],
        cwd=repo, home=burro_home,
    )  # fmt: skip
    assert res.code == 0, res.stderr
    res = run_burro(
        ["mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "TOK"],
        cwd=repo,
        home=burro_home,
    )
    assert res.code == 0, res.stderr
    text = config.read_text()
    assert text.startswith('# my settings\nmodel = "gpt-5.5"\n\n[shell]\nmax_sessions = 4\n')
    table = tomllib.loads(text)["mcp_servers"]
    assert table["toy"] == {
        "command": toy[0], "args": [*toy[1:], "--sleep", "0"], "env": {"TOY_MODE": "test"},
        "approval": "always",
    }  # fmt: skip
    assert table["web"]["bearer_token_env_var"] == "TOK"

    listed = run_burro(["mcp", "list", "--json"], cwd=repo, home=burro_home)
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == ["toy", "web"]
    human = run_burro(["mcp", "list"], cwd=repo, home=burro_home).stdout
    assert "approval=always" in human and "http://127.0.0.1:9/mcp" in human

    got = run_burro(["mcp", "get", "toy"], cwd=repo, home=burro_home)
    assert got.code == 0, got.stderr
    assert "status: ready" in got.stdout and "mcp__toy__hello" in got.stdout
    web = run_burro(["mcp", "get", "web", "--json"], cwd=repo, home=burro_home)
    assert web.code == 1 and json.loads(web.stdout)["status"] == "failed"

    again = run_burro(["mcp", "add", "toy", "--", "true"], cwd=repo, home=burro_home)
    assert again.code == 1 and "already exists" in again.stderr
    bad = run_burro(["mcp", "add", "a__b", "--", "true"], cwd=repo, home=burro_home)
    assert bad.code == 1 and "may only use letters" in bad.stderr
    neither = run_burro(["mcp", "add", "empty"], cwd=repo, home=burro_home)
    assert neither.code == 1 and "exactly one of `command`" in neither.stderr

    assert run_burro(["mcp", "remove", "toy"], cwd=repo, home=burro_home).code == 0
    assert list(tomllib.loads(config.read_text())["mcp_servers"]) == ["web"]
    assert config.read_text().startswith("# my settings\n")
    missing = run_burro(["mcp", "remove", "toy"], cwd=repo, home=burro_home)
    assert missing.code == 1 and "no [mcp_servers.toy] table" in missing.stderr
