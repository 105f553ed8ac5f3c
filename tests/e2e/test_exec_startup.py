"""What a one-line question loads: `burro exec` answering "hi" loads none of the parts a
task may never need (the patch engine, review, compaction, undo snapshots, resume
reconstruction, retries, the macOS sandbox, anyio's event-loop layer, httpx, click), so every
start stays quick."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import exec_imports
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn

LOADED_ON_FIRST_USE = {
    "burro.tools.apply_patch._apply",
    "burro.tools.apply_patch._parser",
    "burro.core.review_task",
    "burro.core.review_parse",
    "burro.core.compact_task",
    "burro.core.snapshot",
    "burro.core.reconstruct",
    "burro.util.backoff",
    "burro.sandbox.seatbelt",
    "anyio._backends._asyncio",  # the model's HTTP runs on httpcore's thread-safe sync pool
    "httpx",  # the model's requests go straight to httpcore (burro.models._http)
    "click",  # `burro exec` reads its options without it (burro.cli._fast)
}


def test_a_one_line_answer_loads_only_what_it_uses(
    repo: Path, burro_home: Path, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("hello")]))
    loaded = exec_imports(server, cwd=repo, home=burro_home)
    assert {"burro.core.turn", "burro.tools.shell"} <= loaded  # the probe works
    assert not loaded & LOADED_ON_FIRST_USE, sorted(loaded & LOADED_ON_FIRST_USE)


def test_a_local_model_is_discovered_without_httpx(repo: Path, burro_home: Path) -> None:
    """`--oss` asks the local server for its model and context size (twice: the server
    check and the session's window) over burro's own connection layer."""
    routes = {
        "/v1/models": {"data": [{"id": "tiny-local", "owned_by": "llamacpp", "meta": {}}]},
        "/props": {"default_generation_settings": {"n_ctx": 4096}},
    }
    with FakeModelServer([Turn([Text("local hello")])], get_routes=routes) as srv:
        override = f'model_providers.ollama.base_url="{srv.base_url}"'
        loaded = exec_imports(
            srv, cwd=repo, home=burro_home, args=["--oss", "-c", override], answer="local hello"
        )
        paths = [r.path for r in srv.requests]
    assert "/v1/models" in paths and "/props" in paths  # the probe works
    assert not loaded & {"httpx", "anyio._backends._asyncio"}, loaded & {"httpx"}
