"""Time to the first model request of `burro exec` with MCP servers configured.

Configurations: none; three optional servers (server-everything over stdio, mcp-server-git,
and a server that takes 5 s to start); the same with server-everything marked required
(waited for, so its tools are in the first request). The slow server must not show up in
any of these numbers: optional servers never delay the first request.
Run: uv run python -m bench.bench_mcp_startup  (after scripts/test.sh installed npm's
server-everything into .cache/npm)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.mcp.conftest import EVERYTHING, TOY
from tests.mcp.kit import write_servers

from bench._common import BURRO, env_for, provider_args, scratch_repo, summary

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def servers(repo: Path, *, required: bool) -> dict[str, dict[str, Any]]:
    node = "node"
    return {
        "everything": {
            "command": node,
            "args": [str(EVERYTHING / "dist" / "index.js"), "stdio"],
            "required": required,
        },
        "git": {"command": sys.executable, "args": ["-m", "mcp_server_git", "-r", str(repo)]},
        "slow": {"command": sys.executable, "args": [str(TOY), "--sleep", "5"]},
    }


def one_run(config: str) -> tuple[float, float, list[str]]:
    repo = scratch_repo()
    home = repo / ".home"
    if config != "none":
        write_servers(home, servers(repo, required=config == "required"))
    else:
        home.mkdir()
    with FakeModelServer([Turn([Text("done")])]) as srv:
        t0 = time.monotonic()
        proc = subprocess.run(
            [str(BURRO), "exec", "--ephemeral", *provider_args(srv.base_url), "go"],
            cwd=repo, env=env_for(home), stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        ended = time.monotonic()
        assert proc.returncode == 0, proc.stderr
        first = srv.requests[0]
        tools = [t.get("name", "") for t in first.json.get("tools", [])]
    return first.received_at - t0, ended - t0, [t for t in tools if t.startswith("mcp__")]


def main() -> None:
    for config in ("none", "optional", "required"):
        runs = [one_run(config) for _ in range(RUNS)]
        mcp_tools = sorted({len(r[2]) for r in runs})
        print(f"{config:>9}: start -> first request " + summary([r[0] for r in runs]))
        print(f"{'':>9}  whole run (incl. stopping servers) " + summary([r[1] for r in runs]))
        print(f"{'':>9}  MCP tools in the first request: {mcp_tools}")


if __name__ == "__main__":
    main()
