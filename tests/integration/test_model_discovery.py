"""Model discovery against each server's /v1/models (and llama.cpp's /props) answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from tests.fakes.model_server import FakeModelServer

from burro.config.types import ProviderInfo
from burro.models import ModelError
from burro.models.discover import discover

CASES = Path(__file__).resolve().parents[1] / "data" / "servers" / "discovery"


def _cases() -> list[Any]:
    return [
        pytest.param(json.loads(p.read_text()), id=p.stem) for p in sorted(CASES.glob("*.json"))
    ]


def _provider(srv: FakeModelServer) -> ProviderInfo:
    return ProviderInfo(name="local", base_url=srv.base_url, wire_api="chat")


@pytest.mark.parametrize("case", _cases())
def test_models_and_their_context_size_are_discovered(case: dict[str, Any]) -> None:
    with FakeModelServer([], get_routes=case["routes"]) as srv:
        found = asyncio.run(discover(_provider(srv), api_key="k"))
        paths = [r.path for r in srv.requests]
        auth = {r.headers.get("authorization") for r in srv.requests}
    assert [msgspec.to_builtins(m) for m in found] == case["expect"]
    assert paths[0] == "/v1/models" and auth == {"Bearer k"}


def test_a_server_that_is_not_running_is_a_connection_error() -> None:
    with FakeModelServer([]) as srv:
        info = _provider(srv)
    with pytest.raises(ModelError) as exc:
        asyncio.run(discover(info))
    assert exc.value.code == "connection" and "/models" in exc.value.message


def test_a_server_without_a_models_route_is_not_found() -> None:
    with FakeModelServer([]) as srv, pytest.raises(ModelError) as exc:
        asyncio.run(discover(_provider(srv)))
    assert exc.value.code == "not_found"
