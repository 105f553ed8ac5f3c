"""A raw JSON-RPC client for `burro app-server` on stdio, through the wire tap (for
methods the `openai-codex` SDK does not offer)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.app_server.conftest import ROOT, Workspace
from tests.e2e.conftest import BURRO, burro_env
from tests.fakes.workspace import fake_provider_overrides


class Rpc:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.ids = iter(range(1, 1000))
        self.seen: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any]) -> int:
        rid = next(self.ids)
        assert self.proc.stdin is not None
        self.proc.stdin.write(
            (json.dumps({"id": rid, "method": method, "params": params}) + "\n").encode()
        )
        self.proc.stdin.flush()
        return rid

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the app-server closed its output"
        msg: dict[str, Any] = json.loads(line)
        self.seen.append(msg)
        return msg

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        rid = self.send(method, params)
        while True:
            msg = self.read()
            if msg.get("id") == rid and "method" not in msg:
                return msg

    def until(self, method: str) -> list[dict[str, Any]]:
        """Notifications up to and including the first ``method``."""
        out = []
        while True:
            msg = self.read()
            out.append(msg)
            if msg.get("method") == method:
                return out


def answers_to(workspace: Workspace, lines: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Send ``lines`` to a fresh `burro app-server`, close its stdin, and return its
    answers by id once it has exited (0, or the test fails)."""
    proc = subprocess.run(
        [str(BURRO), "app-server"],
        input="".join(json.dumps(m) + "\n" for m in lines),
        capture_output=True,
        text=True,
        env=burro_env(workspace.home),
        cwd=workspace.repo,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {m["id"]: m for m in map(json.loads, proc.stdout.splitlines())}


@contextmanager
def app_server(workspace: Workspace) -> Iterator[Rpc]:
    provider, table = fake_provider_overrides(workspace.server.base_url, "chat")
    env = burro_env(workspace.home)
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "tests.app_server.tap", str(workspace.wire_log), str(BURRO)]
    cmd += ["-c", provider, "-c", table, "-m", "qwen3-coder", "app-server"]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=workspace.repo,
        env=env,
    )
    try:
        rpc = Rpc(proc)
        rpc.call("initialize", {"clientInfo": {"name": "t", "version": "1"}})
        yield rpc
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
