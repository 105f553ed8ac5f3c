"""[mcp_servers] validation and the names tools get."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from burro.config import ConfigError, load_settings
from burro.tools.mcp.names import qualified_name
from tests.mcp.kit import write_servers


def _load(home: Path, servers: dict[str, dict[str, object]]) -> object:
    write_servers(home, servers)
    return load_settings(cwd=home, env={"BURRO_HOME": str(home)})


def test_names_are_sanitised_and_long_ones_stay_unique() -> None:
    assert qualified_name("git", "git_status") == "mcp__git__git_status"
    assert qualified_name("web", "get sum/v2") == "mcp__web__get_sum_v2"
    a = qualified_name("server", "x" * 80 + "a")
    b = qualified_name("server", "x" * 80 + "b")
    assert len(a) == len(b) == 64 and a != b and a.startswith("mcp__server__xxx")


def test_server_tables_are_checked(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"ok": {"command": "srv", "startup_timeout_ms": 2500}})
    server = settings.mcp_servers["ok"]  # type: ignore[attr-defined]
    assert server.startup_timeout_s == 2.5 and server.transport == "stdio"
    with pytest.raises(ConfigError, match="exactly one of `command`"):
        _load(tmp_path, {"both": {"command": "srv", "url": "http://x/mcp"}})
    with pytest.raises(ConfigError, match="may only use letters"):
        _load(tmp_path, {"a__b": {"command": "srv"}})
    with pytest.raises(ConfigError, match=re.escape("unknown key `mcp_servers.ok.comand`")):
        _load(tmp_path, {"ok": {"comand": "srv"}})
    with pytest.raises(ConfigError, match=re.escape("mcp_servers.ok.approval")):
        _load(tmp_path, {"ok": {"command": "srv", "approval": "sometimes"}})
    with pytest.raises(ConfigError, match=re.escape("mcp_servers.ok.tool_timeout_sec")):
        _load(tmp_path, {"ok": {"command": "srv", "tool_timeout_sec": 0}})
