from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError, open_client
from burro.protocol.items import user_text
from burro.protocol.model import Prompt


def test_importing_burro_models_loads_no_http_stack_or_sdk() -> None:
    code = (
        "import sys, burro.models\n"
        "from burro.models import open_client\n"
        "from burro.config.types import ProviderInfo\n"
        "for wire in ('responses', 'chat', 'anthropic'):\n"
        "    open_client(ProviderInfo(name='p', base_url='http://h/v1', wire_api=wire),"
        " api_key=None, session_id='s')\n"
        "print(sorted(m for m in ('httpx', 'httpcore', 'openai', 'anthropic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("base_url", ["ftp://example.invalid/v1", "not a url at all"])
def test_bad_base_url_is_a_clear_non_retryable_error(base_url: str) -> None:
    info = ProviderInfo(name="mine", base_url=base_url, wire_api="chat")
    prompt = Prompt(model="m", instructions="", items=[user_text("hi")])

    async def run() -> None:
        client = open_client(info, api_key="k", session_id="s")
        try:
            async for _ in client.stream(prompt):
                pass
        finally:
            await client.aclose()

    with pytest.raises(ModelError) as exc:
        asyncio.run(run())
    assert not exc.value.retryable
    assert "mine" in exc.value.message and "\n" not in exc.value.message


def _stream_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "burro-model-stream"]


def test_leaving_a_stream_mid_way_frees_its_thread_and_the_next_request_works() -> None:
    """The request runs on a thread; a turn that stops reading (an interrupt, a parse
    error) shuts its socket down, so that thread ends at once instead of waiting out
    the idle timeout on a server that went silent."""
    import time

    from tests.fakes.model_server import FakeModelServer
    from tests.fakes.script import Hang, Text, Turn

    async def run(url: str) -> tuple[list[str], str]:
        info = ProviderInfo(
            name="fake", base_url=url, wire_api="responses", stream_idle_timeout_ms=120_000
        )
        client = open_client(info, api_key="k", session_id="s")
        prompt = Prompt(model="m", instructions="", items=[user_text("hi")])
        try:
            stream = client.stream(prompt).__aiter__()
            await anext(stream)  # the answer has begun; the server then goes silent
            await stream.aclose()  # what an interrupt does
            deadline = time.monotonic() + 20
            while _stream_threads() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            left = _stream_threads()
            texts = [
                e.delta for e in [ev async for ev in client.stream(prompt)] if hasattr(e, "delta")
            ]
            return left, "".join(texts)
        finally:
            await client.aclose()

    turns = [Turn([Text("first part of a long answer")], fault=Hang(after=4, seconds=60))]
    with FakeModelServer([*turns, Turn([Text("second answer")])]) as srv:
        left, second = asyncio.run(run(srv.base_url))
    assert left == []  # the silent stream's thread is gone, 60 s before the server closes
    assert second == "second answer"


@pytest.mark.parametrize("wire", ["responses", "chat", "anthropic"])
def test_consecutive_requests_reuse_one_connection(wire: str) -> None:
    """A finished answer hands its connection back to the pool, so the next step of a
    turn does not pay a new connect (and, with HTTPS, a new TLS handshake)."""
    from tests.fakes.model_server import FakeModelServer
    from tests.fakes.script import Text, Turn

    async def run(url: str) -> list[str]:
        info = ProviderInfo(name="fake", base_url=url, wire_api=wire)  # type: ignore[arg-type]
        client = open_client(info, api_key="k", session_id="s")
        prompt = Prompt(model="m", instructions="", items=[user_text("hi")])
        answers = []
        try:
            for _ in range(3):
                deltas = [
                    e.delta
                    for e in [ev async for ev in client.stream(prompt)]
                    if hasattr(e, "delta")
                ]
                answers.append("".join(deltas))
        finally:
            await client.aclose()
        return answers

    # The server ends each body a moment after the answer's last event, as a real one
    # may: the client has the whole answer before the body ends.
    turns = [Turn([Text(f"answer {i}")], end_delay_s=0.05) for i in range(3)]
    with FakeModelServer(turns) as srv:
        assert asyncio.run(run(srv.base_url)) == ["answer 0", "answer 1", "answer 2"]
        assert srv.connections == 1
