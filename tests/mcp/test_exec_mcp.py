"""`burro exec` with MCP servers: JSON items name the real server; without servers,
nothing of the MCP SDK is imported."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_append_only, exec_imports, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.mcp.kit import stdio, write_servers

SDK_MODULES = {"mcp", "mcp_types", "httpx2", "acp"}


def test_exec_json_shows_mcp_tool_calls_with_the_server_name(
    repo: Path, burro_home: Path, server: FakeModelServer, everything: list[str]
) -> None:
    write_servers(burro_home, {"everything": stdio(everything, required=True)})
    server.add_turns(
        Turn([Call("mcp__everything__echo", {"message": "from exec"})]),
        Turn([Call("mcp__everything__get-sum", {"a": "x"})]),
        Turn([Text("all done")]),
    )
    res = run_exec(["--json", *provider_args(server, "responses"), "go"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    items = [e["item"] for e in res.events() if e["type"] == "item.completed"]
    echo, bad = (i for i in items if i["type"] == "mcp_tool_call")
    assert (echo["server"], echo["tool"], echo["status"]) == ("everything", "echo", "completed")
    assert echo["result"]["content"][0]["text"] == "Echo: from exec"
    assert (bad["server"], bad["tool"], bad["status"]) == ("everything", "get-sum", "failed")
    assert "expected number" in bad["error"]["message"]
    assert res.stdout.strip().splitlines()[-1].startswith('{"type":"turn.completed"')
    # A required server is up before the first request: the tool list never changes.
    assert_append_only([r.body for r in server.requests])


def test_exec_without_mcp_servers_imports_no_mcp_sdk(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("hello")]))
    imported = {m.split(".")[0] for m in exec_imports(server, cwd=repo, home=burro_home)}
    assert "burro" in imported  # the probe works
    assert not imported & SDK_MODULES, imported & SDK_MODULES
