"""`burro app-server` driven by the official Codex Python SDK (`openai-codex`), which
starts it as `burro --config K=V app-server --listen stdio://`, through a wire tap that
records every line for the schema check."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BURRO, burro_env
from tests.fakes.model_server import FakeModelServer
from tests.fakes.workspace import fake_provider_overrides, make_repo

SCHEMA = Path(__file__).parent / "schema" / "codex_app_server_protocol.schemas.json"
ROOT = Path(__file__).parents[2]

# What each client request is answered with (the schema names the response types).
RESPONSES = {
    "initialize": "#/definitions/InitializeResponse",
    "thread/start": "#/definitions/v2/ThreadStartResponse",
    "thread/resume": "#/definitions/v2/ThreadResumeResponse",
    "thread/list": "#/definitions/v2/ThreadListResponse",
    "thread/read": "#/definitions/v2/ThreadReadResponse",
    "turn/start": "#/definitions/v2/TurnStartResponse",
    "turn/interrupt": "#/definitions/v2/TurnInterruptResponse",
    "review/start": "#/definitions/v2/ReviewStartResponse",
    "turn/steer": "#/definitions/v2/TurnSteerResponse",
    "thread/fork": "#/definitions/v2/ThreadForkResponse",
}


@dataclass
class Workspace:
    repo: Path
    home: Path
    server: FakeModelServer
    wire_log: Path

    def codex(self) -> Any:
        """The SDK's high-level client (`Codex`), running burro instead of codex."""
        from openai_codex import Codex

        return Codex(self.config())

    def client(self, approvals: Any) -> Any:
        """The SDK's low-level client, answering approval requests with ``approvals``."""
        from openai_codex.client import CodexClient

        client = CodexClient(self.config(), approval_handler=approvals)
        client.start()
        client.initialize()
        return client

    def config(self) -> Any:
        from openai_codex import CodexConfig

        provider, table = fake_provider_overrides(self.server.base_url, "chat")
        args = [
            sys.executable, "-m", "tests.app_server.tap", str(self.wire_log), str(BURRO),
            "--config", provider, "--config", table, "--config", 'model="qwen3-coder"',
            "app-server", "--listen", "stdio://",
        ]  # fmt: skip
        env = burro_env(self.home)
        env["PYTHONPATH"] = str(ROOT)
        return CodexConfig(launch_args_override=tuple(args), cwd=str(self.repo), env=env)

    def lines(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for raw in self.wire_log.read_text().splitlines():
            rec = json.loads(raw)
            out.append((rec["from"], json.loads(rec["line"])))
        return out


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    server = FakeModelServer([])
    server.start()
    try:
        yield Workspace(
            make_repo(tmp_path / "repo"), tmp_path / "home", server, tmp_path / "wire.jsonl"
        )
    finally:
        server.stop()


def schema_errors(lines: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every message burro sent, checked against Codex's generated JSON Schema."""
    import jsonschema

    bundle = json.loads(SCHEMA.read_text())
    methods = {
        m["id"]: m["method"]
        for side, m in lines
        if side == "client" and "id" in m and "method" in m
    }
    errors = []

    def check(ref: str, instance: Any) -> None:
        validator = jsonschema.Draft7Validator({**bundle, "$ref": ref})
        for err in validator.iter_errors(instance):
            errors.append(f"{ref}: {err.message[:300]} in {json.dumps(instance)[:300]}")

    for side, msg in lines:
        if side != "server":
            continue
        if "method" in msg and "id" in msg:
            check("#/definitions/ServerRequest", msg)
        elif "method" in msg:
            check("#/definitions/ServerNotification", msg)
        elif "result" in msg:
            method = methods.get(msg["id"])
            if method is None or method not in RESPONSES:
                errors.append(f"answer to an unknown request: {msg}")
            else:
                check(RESPONSES[method], msg["result"])
        else:
            check("#/definitions/JSONRPCError", msg)
    return errors
