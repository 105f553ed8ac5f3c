"""Model wires against misbehaving and local servers (the fake server on loopback):
huge tool arguments, keep-alives that make no progress, output-limit stops, no usage,
empty streams and empty replies, each server's context-overflow error."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import (
    Call,
    EmptyClose,
    HttpError,
    PingForever,
    ResetAfter,
    Text,
    Turn,
)
from tests.fakes.script import Reasoning as ReasoningStep
from tests.integration.test_model_clients import (
    WIRES,
    done_items,
    make_prompt,
    provider,
    stream,
    stream_error,
)

from burro.models import open_client
from burro.protocol.items import FunctionCall, Message
from burro.protocol.model import Completed, StreamEvent

SERVERS = Path(__file__).resolve().parents[1] / "data" / "servers"


def completed(events: list[StreamEvent]) -> Completed:
    last = events[-1]
    assert isinstance(last, Completed)
    return last


@pytest.mark.timeout(180)
@pytest.mark.parametrize("wire", WIRES)
def test_five_megabyte_tool_arguments_stream_through(wire: str) -> None:
    payload = "x" * (5 * 1024 * 1024)
    # 64-byte deltas (real servers send a token or a few per delta): 82,000 events.
    chunks = len(payload) // 64
    call = Call("shell", {"command": ["echo", payload]}, call_id="call_big", chunks=chunks)
    with FakeModelServer([Turn([call])]) as srv:
        events = stream(provider(srv, wire))
    (item,) = done_items(events)
    assert isinstance(item, FunctionCall)
    assert json.loads(item.arguments)["command"][1] == payload


@pytest.mark.timeout(60)
@pytest.mark.parametrize("wire", WIRES)
def test_keep_alives_forever_end_in_a_retryable_idle_timeout(wire: str) -> None:
    # Anthropic `ping`, Responses `response.in_progress`, an SSE comment on Chat: the
    # server is alive but the answer never comes. Only progress resets the idle timer.
    turn = Turn([Text("never finished", chunks=5)], fault=PingForever(after=4))
    with FakeModelServer([turn]) as srv:
        started = time.monotonic()
        err = stream_error(provider(srv, wire, stream_idle_timeout_ms=700))
    assert err.code == "idle_timeout" and err.retryable
    assert err.phase == "stream"
    assert "stream_idle_timeout_ms" in err.message
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("wire", WIRES)
def test_slow_but_steady_progress_is_not_an_idle_timeout(wire: str) -> None:
    turn = Turn([Text("a" * 12, chunks=12)], event_gap_s=0.1)
    with FakeModelServer([turn]) as srv:
        events = stream(provider(srv, wire, stream_idle_timeout_ms=600))
    assert completed(events).stop_reason == "end_turn"


@pytest.mark.parametrize("wire", WIRES)
def test_output_limit_keeps_the_partial_answer(wire: str) -> None:
    with FakeModelServer([Turn([Text("The first half of an ans")], stop="length")]) as srv:
        events = stream(provider(srv, wire))
    texts = [i.text() for i in done_items(events) if isinstance(i, Message)]
    assert texts == ["The first half of an ans"]
    done = completed(events)
    assert done.stop_reason == "max_output_tokens"
    assert not done.empty


@pytest.mark.parametrize("wire", WIRES)
def test_no_usage_reported_is_none_not_zeros(wire: str) -> None:
    with FakeModelServer([Turn([Text("hi")], usage_reported=False)]) as srv:
        events = stream(provider(srv, wire))
    assert completed(events).usage is None


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("head", [True, False])
def test_stream_closed_without_data_is_named_and_retried_at_most_once(
    wire: str, head: bool
) -> None:
    with FakeModelServer([Turn([Text("x")], fault=EmptyClose(head=head))]) as srv:
        info = provider(srv, wire)
        err = stream_error(info)
    assert err.code == "empty_stream"
    assert "without any" in err.message and "check its log" in err.message
    assert err.retryable and err.retry_limit(info) == 1


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    "steps",
    [[], [ReasoningStep("thinking only")], [Text("   ")]],
    ids=["nothing", "reasoning", "blank"],
)
def test_an_empty_reply_is_reported_as_empty(wire: str, steps: list[Any]) -> None:
    with FakeModelServer([Turn(steps)]) as srv:
        events = stream(provider(srv, wire))
    assert completed(events).empty


@pytest.mark.parametrize("wire", WIRES)
def test_a_reply_with_text_or_a_call_is_not_empty(wire: str) -> None:
    with FakeModelServer([Turn([Text("hi")]), Turn([Call("shell", {"command": "ls"})])]) as srv:
        info = provider(srv, wire)
        first, second = completed(stream(info)), completed(stream(info))
    assert (first.empty, first.stop_reason) == (False, "end_turn")
    assert (second.empty, second.stop_reason) == (False, "tool_calls")


def _overflow_cases() -> list[Any]:
    cases = []
    for path in sorted((SERVERS / "context_overflow").glob("*.json")):
        data = json.loads(path.read_text())
        cases.append(pytest.param(data, id=path.stem))
    return cases


@pytest.mark.parametrize("case", _overflow_cases())
def test_each_servers_context_overflow_is_classified_with_its_size(case: dict[str, Any]) -> None:
    wire = case.get("wire", "chat")
    fault = HttpError(case["status"], body=case["body"])
    with FakeModelServer([Turn(fault=fault)]) as srv:
        err = stream_error(provider(srv, wire))
    assert err.code == "context_window_exceeded", err.message
    assert not err.retryable
    assert err.context_window == case["context_window"]
    assert err.prompt_tokens == case["prompt_tokens"]


def test_max_tokens_larger_than_the_context_is_not_an_overflow() -> None:
    body = {
        "object": "error",
        "message": "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's "
        "maximum context length is 4096 tokens and your request has 100 input tokens "
        "(32000 > 4096 - 100).",
        "type": "BadRequestError",
        "code": 400,
    }
    with FakeModelServer([Turn(fault=HttpError(400, body=body))]) as srv:
        err = stream_error(provider(srv, "chat"))
    assert err.code == "bad_request"
    assert "model_max_output_tokens" in err.message


@pytest.mark.parametrize("wire", WIRES)
def test_request_and_stream_failures_have_separate_retry_budgets(wire: str) -> None:
    turns = [
        Turn(fault=HttpError(503)),
        Turn([Text("x" * 40, chunks=20)], fault=ResetAfter(6)),
    ]
    with FakeModelServer(turns) as srv:
        info = provider(srv, wire, request_max_retries=2, stream_max_retries=7)
        request_err, stream_err = stream_error(info), stream_error(info)
    assert (request_err.phase, request_err.retry_limit(info)) == ("request", 2)
    assert (stream_err.phase, stream_err.retry_limit(info)) == ("stream", 7)


def test_connection_refused_is_a_request_phase_error() -> None:
    with FakeModelServer([]) as srv:
        info = provider(srv, "chat", request_max_retries=3)
    err = stream_error(info)  # the server is gone: nothing listens on its port
    assert err.code == "connection" and err.retry_limit(info) == 3


def test_consumer_time_between_events_does_not_count_as_idle() -> None:
    # A slow consumer (a front end doing work per event) must not turn buffered
    # progress into an idle timeout.
    with FakeModelServer([Turn([Text("abcdef", chunks=6)])]) as srv:
        info = provider(srv, "chat", stream_idle_timeout_ms=400)

        async def slow() -> list[StreamEvent]:
            client = open_client(info, api_key="k", session_id="s")
            out = []
            try:
                async for ev in client.stream(make_prompt()):
                    out.append(ev)
                    await asyncio.sleep(0.2)
            finally:
                await client.aclose()
            return out

        events = asyncio.run(slow())
    assert completed(events).stop_reason == "end_turn"
