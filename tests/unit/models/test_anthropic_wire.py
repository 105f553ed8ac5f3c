from __future__ import annotations

import json
from typing import Any

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError, anthropic
from burro.protocol.common import TokenUsage
from burro.protocol.items import FunctionCall, Message, Reasoning, TextPart
from burro.protocol.model import (
    Completed,
    ItemDone,
    ItemStarted,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
)
from burro.util.sse import decode_sse_bytes
from tests.unit.models.history import history, prompt

PROVIDER = ProviderInfo(name="anthropic", base_url="http://x/v1", wire_api="anthropic")


def body(**kw: Any) -> dict[str, Any]:
    return json.loads(anthropic.build_body(prompt(**kw)))


def test_body_keys_come_in_a_fixed_order_with_messages_last() -> None:
    b = body(effort="medium")
    assert list(b) == [
        "model",
        "max_tokens",
        "stream",
        "system",
        "tools",
        "tool_choice",
        "thinking",
        "cache_control",
        "messages",
    ]
    assert b["system"] == [
        {"type": "text", "text": "You are burro.", "cache_control": {"type": "ephemeral"}}
    ]
    assert b["cache_control"] == {"type": "ephemeral"}
    assert b["tool_choice"] == {"type": "auto"}
    assert b["thinking"] == {"type": "enabled", "budget_tokens": 12288}
    assert b["max_tokens"] > b["thinking"]["budget_tokens"]


def test_only_the_last_tool_and_the_system_block_carry_cache_markers() -> None:
    b = body()
    assert [("cache_control" in t) for t in b["tools"]] == [False, True]
    raw = json.dumps(b["messages"])
    assert "cache_control" not in raw


def test_max_tokens_defaults_per_model_and_thinking_stays_below_it() -> None:
    assert body()["max_tokens"] == 32000
    assert body(model="claude-3-5-haiku-latest")["max_tokens"] == 8192
    assert body(model="claude-3-opus-20240229")["max_tokens"] == 4096
    assert body(max_output_tokens=1500)["max_tokens"] == 1500
    small = body(max_output_tokens=5000, effort="high")
    assert small["thinking"]["budget_tokens"] < 5000
    assert "thinking" not in body(max_output_tokens=1500, effort="high")
    assert "thinking" not in body(effort="none")


def test_sequential_tool_use_when_parallel_calls_are_off() -> None:
    assert body(parallel_tool_calls=False)["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }


def test_history_maps_to_messages_with_blocks() -> None:
    msgs = body()["messages"]
    assert [m["role"] for m in msgs] == [
        "user",  # developer message
        "user",
        "assistant",
        "user",  # tool results
        "assistant",
        "user",  # tool result
        "user",
        "assistant",
        "user",
    ]
    assert msgs[1]["content"][1]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": "iVBORw0KGgo=",
    }
    assert [b["type"] for b in msgs[2]["content"]] == ["thinking", "text", "tool_use", "tool_use"]
    assert msgs[2]["content"][0] == {
        "type": "thinking",
        "thinking": "I should list the files.",
        "signature": "sig-1",
    }
    assert msgs[2]["content"][2]["input"] == {"command": ["ls"]}
    assert msgs[2]["content"][3]["input"] == {}  # invalid JSON arguments
    results = msgs[3]["content"]
    assert results[0] == {"type": "tool_result", "tool_use_id": "call_1", "content": "a.py\nb.py"}
    assert results[1]["is_error"] is True
    assert [c["type"] for c in results[1]["content"]] == ["text", "image"]
    assert msgs[4]["content"][0]["input"] == {"input": "*** Begin Patch\n*** End Patch"}


def test_reasoning_without_signature_is_not_replayed_and_redacted_is() -> None:
    items = [
        *history(1),
        Reasoning(summary=["from another provider"]),
        Reasoning(encrypted_content="opaque"),
        Message(role="assistant", content=[TextPart(text="ok")]),
    ]
    assert body(items=items)["messages"][-1]["content"] == [
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "ok"},
    ]


def test_headers_use_x_api_key_and_version() -> None:
    h = anthropic.AnthropicWire().headers(api_key="k", session_id="s")
    assert h["x-api-key"] == "k"
    assert h["anthropic-version"] == "2023-06-01"
    assert "authorization" not in h


def ev(kind: str, **data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


STREAM = b"".join(
    [
        ev(
            "message_start",
            message={
                "id": "msg_1",
                "usage": {
                    "input_tokens": 10,
                    "cache_read_input_tokens": 70,
                    "cache_creation_input_tokens": 20,
                    "output_tokens": 1,
                },
            },
        ),
        ev("ping"),
        ev("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""}),
        ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Let me"}),
        ev("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "SIG"}),
        ev("content_block_stop", index=0),
        ev("content_block_start", index=1, content_block={"type": "text", "text": ""}),
        ev("content_block_delta", index=1, delta={"type": "text_delta", "text": "Listing"}),
        b"data: {not json\n\n",
        ev("content_block_stop", index=1),
        ev(
            "content_block_start",
            index=2,
            content_block={"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {}},
        ),
        ev(
            "content_block_delta",
            index=2,
            delta={"type": "input_json_delta", "partial_json": '{"command"'},
        ),
        ev(
            "content_block_delta",
            index=2,
            delta={"type": "input_json_delta", "partial_json": ': ["ls"]}'},
        ),
        ev("content_block_stop", index=2),
        ev("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 42}),
        ev("message_stop"),
    ]
)


def parse(raw: bytes) -> list[StreamEvent]:
    parser = anthropic.AnthropicParser(prompt(), PROVIDER)
    out: list[StreamEvent] = []
    for sse in decode_sse_bytes(raw):
        out.extend(parser.feed(sse))
        if parser.done:
            return out
    out.extend(parser.finish())
    return out


def test_stream_becomes_thinking_text_and_tool_use_items() -> None:
    assert parse(STREAM) == [
        ItemStarted(item_id="msg_1_0", kind="reasoning"),
        ReasoningDelta(item_id="msg_1_0", delta="Let me"),
        ItemDone(
            item_id="msg_1_0",
            item=Reasoning(content=["Let me"], encrypted_content="SIG", id="msg_1_0"),
        ),
        ItemStarted(item_id="msg_1_1", kind="message"),
        TextDelta(item_id="msg_1_1", delta="Listing"),
        ItemDone(
            item_id="msg_1_1",
            item=Message(role="assistant", content=[TextPart(text="Listing")], id="msg_1_1"),
        ),
        ItemStarted(item_id="msg_1_2", kind="tool_call"),
        ItemDone(
            item_id="msg_1_2",
            item=FunctionCall(
                call_id="toolu_1", name="shell", arguments='{"command": ["ls"]}', id="msg_1_2"
            ),
        ),
        Completed(
            response_id="msg_1",
            usage=TokenUsage(
                input_tokens=100, cached_input_tokens=70, output_tokens=42, total_tokens=142
            ),
            stop_reason="tool_calls",
        ),
    ]


def test_stream_without_message_stop_is_a_stream_cut() -> None:
    with pytest.raises(ModelError) as info:
        parse(STREAM[: STREAM.index(b"event: message_stop")])
    assert info.value.code == "stream_cut" and info.value.retryable


@pytest.mark.parametrize(
    ("etype", "code", "retryable"),
    [
        ("overloaded_error", "server_error", True),
        ("api_error", "server_error", True),
        ("rate_limit_error", "rate_limited", True),
        ("invalid_request_error", "bad_request", False),
        ("authentication_error", "unauthorized", False),
    ],
)
def test_error_events_are_classified(etype: str, code: str, retryable: bool) -> None:
    raw = ev("message_start", message={"id": "m"}) + ev(
        "error", error={"type": etype, "message": "Overloaded"}
    )
    with pytest.raises(ModelError) as info:
        parse(raw)
    assert (info.value.code, info.value.retryable) == (code, retryable)


def test_prompt_too_long_error_event_means_context_window_exceeded() -> None:
    raw = ev(
        "error",
        error={
            "type": "invalid_request_error",
            "message": "prompt is too long: 210000 tokens > 200000 maximum",
        },
    )
    with pytest.raises(ModelError) as info:
        parse(raw)
    assert info.value.code == "context_window_exceeded"
