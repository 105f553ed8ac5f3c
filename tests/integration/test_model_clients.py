"""burro.models against the fake model server on loopback, on all three wires."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import (
    Call,
    Custom,
    Hang,
    HttpError,
    MalformedLine,
    ResetAfter,
    Text,
    Turn,
    Usage,
)
from tests.fakes.script import Reasoning as ReasoningStep

from burro.config.types import ProviderInfo
from burro.models import ModelError, open_client
from burro.protocol.common import TokenUsage
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    Item,
    Message,
    Reasoning,
    user_text,
)
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent, TextDelta
from burro.protocol.tools import ToolSpec

WIRES = ["responses", "chat", "anthropic"]
PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions", "anthropic": "/v1/messages"}
TOOLS = [
    ToolSpec(
        name="shell",
        description="Run a command.",
        parameters={"type": "object", "properties": {"command": {"type": "array"}}},
    ),
    ToolSpec(name="apply_patch", description="Edit files.", kind="freeform", grammar="start: x"),
]


def provider(srv: FakeModelServer, wire: str, **kw: Any) -> ProviderInfo:
    return ProviderInfo(
        name=f"fake-{wire}",
        base_url=srv.base_url,
        wire_api=wire,  # type: ignore[arg-type]
        env_key="FAKE_API_KEY",
        **kw,
    )


def make_prompt(items: list[Item] | None = None, **kw: Any) -> Prompt:
    return Prompt(
        model="claude-sonnet-4-5",
        instructions="You are burro.",
        items=items if items is not None else [user_text("list the files")],
        tools=TOOLS,
        effort="medium",
        summary="auto",
        cache_key="sess-1",
        **kw,
    )


async def _collect(
    info: ProviderInfo, prompt: Prompt, env: dict[str, str] | None = None
) -> list[StreamEvent]:
    client = open_client(info, api_key="sk-test", session_id="sess-1", env=env)
    try:
        return [ev async for ev in client.stream(prompt)]
    finally:
        await client.aclose()


def stream(
    info: ProviderInfo, prompt: Prompt | None = None, env: dict[str, str] | None = None
) -> list[StreamEvent]:
    return asyncio.run(_collect(info, prompt or make_prompt(), env))


def stream_error(info: ProviderInfo) -> ModelError:
    with pytest.raises(ModelError) as exc:
        stream(info)
    return exc.value


def done_items(events: list[StreamEvent]) -> list[Item]:
    return [e.item for e in events if isinstance(e, ItemDone)]


FULL_TURN = Turn(
    [
        ReasoningStep("Thinking about files", encrypted="sig-abc"),
        Text("I'll list them.", chunks=4),
        Call("shell", {"command": ["ls", "-la"]}, call_id="call_a"),
        Custom("apply_patch", "*** Begin Patch\n*** End Patch\n", call_id="call_b"),
    ],
    usage=Usage(input_tokens=1200, cached_input_tokens=1000, output_tokens=80, reasoning_tokens=30),
)


@pytest.mark.parametrize("wire", WIRES)
def test_turn_streams_reasoning_text_and_tool_calls(wire: str) -> None:
    with FakeModelServer([FULL_TURN]) as srv:
        events = stream(provider(srv, wire))
    text = "".join(e.delta for e in events if isinstance(e, TextDelta))
    assert text == "I'll list them."
    items = done_items(events)
    kinds = [type(i) for i in items]
    assert kinds == [Reasoning, Message, FunctionCall, CustomToolCall]
    reasoning, message, call, custom = items
    assert isinstance(reasoning, Reasoning) and reasoning.text() == "Thinking about files"
    if wire != "chat":  # Chat Completions has no opaque reasoning state
        assert reasoning.encrypted_content == "sig-abc"
    assert isinstance(message, Message) and message.text() == "I'll list them."
    assert isinstance(call, FunctionCall) and call.call_id == "call_a" and call.name == "shell"
    assert json.loads(call.arguments) == {"command": ["ls", "-la"]}
    assert isinstance(custom, CustomToolCall) and custom.call_id == "call_b"
    assert custom.input == "*** Begin Patch\n*** End Patch\n"
    last = events[-1]
    assert isinstance(last, Completed) and last.usage is not None
    assert last.usage.input_tokens == 1200
    assert last.usage.cached_input_tokens == 1000
    assert last.usage.output_tokens == 80
    if wire != "anthropic":  # Anthropic does not report reasoning tokens separately
        assert last.usage.reasoning_output_tokens == 30


@pytest.mark.parametrize("wire", WIRES)
def test_request_goes_to_the_wire_endpoint_with_auth_and_extra_headers(
    wire: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The header comes from the session's environment, never the process's.
    monkeypatch.setenv("FAKE_UNSET", "from-the-process")
    with FakeModelServer([Turn([Text("hi")])]) as srv:
        info = provider(
            srv,
            wire,
            http_headers={"x-extra": "1"},
            env_http_headers={"x-org": "FAKE_ORG", "x-unset": "FAKE_UNSET"},
            query_params={"api-version": "7"},
        )
        stream(info, env={"FAKE_ORG": "org-42"})
        (req,) = srv.requests
    assert req.path == PATHS[wire] + "?api-version=7"
    assert req.headers["x-extra"] == "1"
    assert req.headers["x-org"] == "org-42"
    assert "x-unset" not in req.headers
    if wire == "anthropic":
        assert req.headers["x-api-key"] == "sk-test"
        assert req.headers["anthropic-version"] == "2023-06-01"
    else:
        assert req.headers["authorization"] == "Bearer sk-test"
        assert req.headers["session_id"] == "sess-1"
    assert req.json["stream"] is True
    assert req.json["model"] == "claude-sonnet-4-5"


@pytest.mark.parametrize("wire", WIRES)
def test_second_request_body_extends_the_first_byte_for_byte(wire: str) -> None:
    with FakeModelServer([FULL_TURN, Turn([Text("done")])]) as srv:
        info = provider(srv, wire)
        history: list[Item] = [user_text("list the files")]
        events = stream(info, make_prompt(history))
        history += done_items(events)
        history += [
            FunctionCallOutput(call_id="call_a", output="a.py", success=True),
            CustomToolCallOutput(call_id="call_b", output="Done!", success=True),
        ]
        stream(info, make_prompt(history))
        first, second = (r.body for r in srv.requests)
    assert first.endswith(b"]}")
    assert second.startswith(first[:-2])


@pytest.mark.parametrize("wire", WIRES)
def test_429_is_rate_limited_with_retry_after(wire: str) -> None:
    with FakeModelServer([Turn(fault=HttpError(429, retry_after=3, message="Slow down"))]) as srv:
        err = stream_error(provider(srv, wire))
    assert err.code == "rate_limited" and err.retryable
    assert err.retry_after == 3.0
    assert "Slow down" in err.message


@pytest.mark.parametrize("wire", WIRES)
def test_500_is_a_retryable_server_error(wire: str) -> None:
    with FakeModelServer([Turn(fault=HttpError(500, message="kaboom"))]) as srv:
        err = stream_error(provider(srv, wire))
    assert (err.code, err.retryable) == ("server_error", True)
    assert "kaboom" in err.message and "500" in err.message
    assert err.to_error_info().retryable


@pytest.mark.parametrize("wire", WIRES)
def test_401_tells_the_user_which_env_var_to_set(wire: str) -> None:
    with FakeModelServer([Turn(fault=HttpError(401, message="invalid x-api-key"))]) as srv:
        err = stream_error(provider(srv, wire))
    assert (err.code, err.retryable) == ("unauthorized", False)
    assert "FAKE_API_KEY" in err.message and "invalid x-api-key" in err.message


@pytest.mark.parametrize("wire", WIRES)
def test_400_context_overflow_is_not_retryable(wire: str) -> None:
    fault = HttpError(
        400,
        message="prompt is too long: 300000 tokens > 200000 maximum",
        code="context_length_exceeded",
    )
    with FakeModelServer([Turn(fault=fault)]) as srv:
        err = stream_error(provider(srv, wire))
    assert (err.code, err.retryable) == ("context_window_exceeded", False)


@pytest.mark.parametrize("wire", WIRES)
def test_connection_reset_mid_stream_is_retryable(wire: str) -> None:
    with FakeModelServer([Turn([Text("partial answer")], fault=ResetAfter(3))]) as srv:
        err = stream_error(provider(srv, wire))
    assert err.code in ("stream_cut", "connection") and err.retryable
    assert "\n" not in err.message


@pytest.mark.parametrize("wire", WIRES)
def test_malformed_data_line_is_skipped(wire: str) -> None:
    with FakeModelServer([Turn([Text("still fine")], fault=MalformedLine(after=2))]) as srv:
        events = stream(provider(srv, wire))
    assert isinstance(events[-1], Completed)
    assert "".join(e.delta for e in events if isinstance(e, TextDelta)) == "still fine"


@pytest.mark.parametrize("wire", WIRES)
def test_silent_server_hits_the_idle_timeout(wire: str) -> None:
    with FakeModelServer([Turn([Text("hello")], fault=Hang(after=2, seconds=30))]) as srv:
        err = stream_error(provider(srv, wire, stream_idle_timeout_ms=300))
    assert (err.code, err.retryable) == ("idle_timeout", True)


def test_unreachable_server_is_a_retryable_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    info = ProviderInfo(name="local", base_url=f"http://127.0.0.1:{port}/v1", wire_api="chat")
    with pytest.raises(ModelError) as exc:
        stream(info)
    assert (exc.value.code, exc.value.retryable) == ("connection", True)
    assert f"127.0.0.1:{port}" in exc.value.message


def test_one_client_serves_several_requests() -> None:
    with FakeModelServer([Turn([Text("one")]), Turn([Text("two")])]) as srv:
        info = provider(srv, "responses")

        async def two() -> list[str]:
            client = open_client(info, api_key=None, session_id="s")
            out = []
            try:
                for _ in range(2):
                    evs = [e async for e in client.stream(make_prompt())]
                    out.append("".join(e.delta for e in evs if isinstance(e, TextDelta)))
            finally:
                await client.aclose()
            return out

        assert asyncio.run(two()) == ["one", "two"]
        assert "authorization" not in srv.requests[0].headers


def test_chat_usage_without_cache_details_is_reported() -> None:
    with FakeModelServer([Turn([Text("x")], usage=Usage(input_tokens=5, output_tokens=2))]) as srv:
        last = stream(provider(srv, "chat"))[-1]
    assert isinstance(last, Completed)
    assert last.usage == TokenUsage(input_tokens=5, output_tokens=2, total_tokens=7)
