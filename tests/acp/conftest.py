"""`burro acp` as an editor starts it: a real subprocess on stdio, a real git repo, a
private BURRO_HOME, and the fake model server (Chat Completions) on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BURRO, burro_env
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Turn
from tests.fakes.workspace import fake_provider_overrides, make_repo

MODEL = "qwen3-coder"


@dataclass
class Workspace:
    repo: Path
    home: Path
    server: FakeModelServer

    def args(self) -> list[str]:
        provider, table = fake_provider_overrides(self.server.base_url, "chat")
        return ["acp", "-c", provider, "-c", table, "-m", MODEL]

    def env(self) -> dict[str, str]:
        return burro_env(self.home)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    server = FakeModelServer([])
    server.start()
    try:
        yield Workspace(make_repo(tmp_path / "repo"), tmp_path / "home", server)
    finally:
        server.stop()


@dataclass
class Recorder:
    """The editor side: records every session update, answers permission requests from
    a queue of option ids ("cancelled" to dismiss the dialog)."""

    updates: list[Any] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    asked: list[Any] = field(default_factory=list)

    async def session_update(self, session_id: str, update: Any, **_: Any) -> None:
        self.updates.append(update)

    async def request_permission(
        self, session_id: str, tool_call: Any, options: list[Any], **_: Any
    ) -> Any:
        from acp.schema import AllowedOutcome, DeniedOutcome, RequestPermissionResponse

        self.asked.append(tool_call)
        answer = self.answers.pop(0)
        if answer == "cancelled":
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        assert answer in {o.option_id for o in options}
        return RequestPermissionResponse(
            outcome=AllowedOutcome(outcome="selected", option_id=answer)
        )

    def of(self, kind: str) -> list[Any]:
        return [u for u in self.updates if u.session_update == kind]

    def text(self, kind: str) -> str:
        return "".join(u.content.text for u in self.of(kind))


@contextlib.asynccontextmanager
async def acp_agent(
    ws: Workspace,
    client: Recorder,
    *,
    fs: tuple[bool, bool] | None = None,
    extra: tuple[str, ...] = (),
) -> AsyncIterator[Any]:
    """`burro acp` started by the SDK's client side (``extra`` arguments added),
    initialized; ``fs``: the client offers (fs/read_text_file, fs/write_text_file)."""
    from acp.schema import ClientCapabilities, FileSystemCapabilities

    from acp import PROTOCOL_VERSION, spawn_agent_process

    caps = None
    if fs is not None:
        caps = ClientCapabilities(
            fs=FileSystemCapabilities(read_text_file=fs[0], write_text_file=fs[1])
        )
    async with spawn_agent_process(
        client,  # type: ignore[arg-type]
        str(BURRO),
        *ws.args(),
        *extra,
        env=ws.env(),
        cwd=ws.repo,
    ) as (conn, _proc):
        await conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps)
        yield conn


def turns(*items: Turn) -> list[Turn]:
    return list(items)
