"""Real MCP servers for the MCP tests: npm server-everything (stdio and streamable HTTP),
PyPI mcp-server-git, and a small SDK server for failures (tests/mcp/toy_server.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NPM_DIR = ROOT / ".cache" / "npm"
EVERYTHING = NPM_DIR / "node_modules" / "@modelcontextprotocol" / "server-everything"
TOY = Path(__file__).with_name("toy_server.py")


def _install_everything() -> Path:
    """scripts/test.sh installs it; a bare `pytest` run installs it here (npm, once)."""
    entry = EVERYTHING / "dist" / "index.js"
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    with (NPM_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not entry.is_file():
            npm = shutil.which("npm")
            assert npm, "npm is missing: run scripts/test.sh (it installs nodejs and npm)"
            subprocess.run(
                [npm, "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund",
                 "@modelcontextprotocol/server-everything@2026.8.31"],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip
    return entry


@pytest.fixture(scope="session")
def everything() -> list[str]:
    """The command line of server-everything over stdio."""
    node = shutil.which("node")
    assert node, "node is missing: run scripts/test.sh (it installs nodejs and npm)"
    return [node, str(_install_everything()), "stdio"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def everything_http(everything: list[str], tmp_path: Path) -> Iterator[str]:
    """server-everything over streamable HTTP on loopback; yields its URL."""
    port = _free_port()
    log = (tmp_path / "everything-http.log").open("w")
    proc = subprocess.Popen(
        [everything[0], everything[1], "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, (tmp_path / "everything-http.log").read_text()
            assert time.monotonic() < deadline, "server-everything (HTTP) did not listen"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def toy() -> list[str]:
    return [sys.executable, str(TOY)]


@pytest.fixture(scope="session")
def git_server() -> list[str]:
    return [sys.executable, "-m", "mcp_server_git"]
