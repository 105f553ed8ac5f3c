from __future__ import annotations

import json

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError, responses
from burro.protocol.common import TokenUsage
from burro.protocol.items import CustomToolCall, FunctionCall, Message, Reasoning, TextPart
from burro.protocol.model import (
    Completed,
    ItemDone,
    ItemStarted,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
)
from burro.util.sse import decode_sse_bytes
from tests.unit.models.history import PNG, prompt

PROVIDER = ProviderInfo(name="openai", base_url="http://x/v1", wire_api="responses")


def body(**kw: object) -> dict[str, object]:
    return json.loads(responses.build_body(prompt(**kw)))


def test_body_keys_come_in_a_fixed_order_with_input_last() -> None:
    b = body(effort="medium", summary="auto", output_schema={"type": "object"}, max_output_tokens=9)
    assert list(b) == [
        "model",
        "instructions",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "store",
        "stream",
        "include",
        "prompt_cache_key",
        "text",
        "max_output_tokens",
        "input",
    ]
    assert b["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert b["include"] == ["reasoning.encrypted_content"]
    assert b["store"] is False and b["stream"] is True
    assert b["prompt_cache_key"] == "sess-1"
    assert b["text"] == {
        "format": {
            "type": "json_schema",
            "name": "burro_output_schema",
            "strict": True,
            "schema": {"type": "object"},
        }
    }


def test_reasoning_and_include_are_only_sent_with_an_effort() -> None:
    b = body()
    assert "reasoning" not in b and "include" not in b and "text" not in b
    assert body(effort="low", summary="none")["reasoning"] == {"effort": "low"}


def test_tools_are_function_and_custom_grammar_tools() -> None:
    shell, patch = body()["tools"]  # type: ignore[misc]
    assert shell["type"] == "function" and shell["strict"] is False
    assert shell["parameters"]["required"] == ["command"]
    assert patch == {
        "type": "custom",
        "name": "apply_patch",
        "description": "Edit files.",
        "format": {"type": "grammar", "syntax": "lark", "definition": 'start: "*** Begin Patch" '},
    }


def test_every_item_kind_maps_to_a_responses_input_item() -> None:
    items = body()["input"]
    assert items == [
        {
            "type": "message",
            "role": "developer",
            "content": [{"type": "input_text", "text": "<permissions>sandboxed</permissions>"}],
        },
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": 'Fix the bug ü \u2028 "quoted"'},
                {"type": "input_image", "image_url": PNG},
            ],
        },
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "Looking at files"}],
            "content": [{"type": "reasoning_text", "text": "I should list the files."}],
            "encrypted_content": "sig-1",
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Let me look."}],
        },
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "shell",
            "arguments": '{"command":["ls"]}',
        },
        {"type": "function_call", "call_id": "call_2", "name": "shell", "arguments": "{not json"},
        {"type": "function_call_output", "call_id": "call_1", "output": "a.py\nb.py"},
        {
            "type": "function_call_output",
            "call_id": "call_2",
            "output": [
                {"type": "input_text", "text": "bad arguments"},
                {"type": "input_image", "image_url": PNG},
            ],
        },
        {
            "type": "custom_tool_call",
            "call_id": "call_3",
            "name": "apply_patch",
            "input": "*** Begin Patch\n*** End Patch",
        },
        {"type": "custom_tool_call_output", "call_id": "call_3", "output": "Done!"},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "also run the tests"}],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "All fixed."}],
        },
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "thanks"}]},
    ]


def test_headers_carry_key_session_and_accept() -> None:
    h = responses.ResponsesWire().headers(api_key="sk-1", session_id="s-9")
    assert h["authorization"] == "Bearer sk-1"
    assert h["session_id"] == "s-9"
    assert h["accept"] == "text/event-stream"
    assert "authorization" not in responses.ResponsesWire().headers(api_key=None, session_id="s")


def parse(raw: bytes) -> list[StreamEvent]:
    parser = responses.ResponsesParser(PROVIDER)
    out: list[StreamEvent] = []
    for sse in decode_sse_bytes(raw):
        out.extend(parser.feed(sse))
        if parser.done:
            return out
    out.extend(parser.finish())
    return out


def sse(kind: str, data: dict[str, object]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


STREAM = b"".join(
    [
        sse("response.created", {"response": {"id": "resp_1"}}),
        sse("response.output_item.added", {"item": {"type": "reasoning", "id": "rs_1"}}),
        sse("response.reasoning_summary_text.delta", {"item_id": "rs_1", "delta": "Think"}),
        b"data: {not json\n\n",
        sse(
            "response.output_item.done",
            {
                "item": {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "Think"}],
                    "encrypted_content": "enc",
                }
            },
        ),
        sse("response.output_item.added", {"item": {"type": "message", "id": "msg_1"}}),
        sse("response.output_text.delta", {"item_id": "msg_1", "delta": "Hel"}),
        sse("response.output_text.delta", {"item_id": "msg_1", "delta": "lo"}),
        sse(
            "response.output_item.done",
            {
                "item": {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Hello"}],
                }
            },
        ),
        sse(
            "response.output_item.done",
            {
                "item": {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "shell",
                    "arguments": "{}",
                }
            },
        ),
        sse(
            "response.output_item.done",
            {
                "item": {
                    "type": "custom_tool_call",
                    "id": "ctc_1",
                    "call_id": "call_2",
                    "name": "apply_patch",
                    "input": "*** Begin Patch",
                }
            },
        ),
        sse(
            "response.completed",
            {
                "response": {
                    "id": "resp_1",
                    "usage": {
                        "input_tokens": 100,
                        "input_tokens_details": {"cached_tokens": 80},
                        "output_tokens": 20,
                        "output_tokens_details": {"reasoning_tokens": 12},
                        "total_tokens": 120,
                    },
                }
            },
        ),
    ]
)


def test_sse_stream_becomes_stream_events_and_items() -> None:
    events = parse(STREAM)
    assert events == [
        ItemStarted(item_id="rs_1", kind="reasoning"),
        ReasoningDelta(item_id="rs_1", delta="Think"),
        ItemDone(
            item_id="rs_1",
            item=Reasoning(summary=["Think"], encrypted_content="enc", id="rs_1"),
        ),
        ItemStarted(item_id="msg_1", kind="message"),
        TextDelta(item_id="msg_1", delta="Hel"),
        TextDelta(item_id="msg_1", delta="lo"),
        ItemDone(
            item_id="msg_1",
            item=Message(role="assistant", content=[TextPart(text="Hello")], id="msg_1"),
        ),
        ItemDone(
            item_id="fc_1",
            item=FunctionCall(call_id="call_1", name="shell", arguments="{}", id="fc_1"),
        ),
        ItemDone(
            item_id="ctc_1",
            item=CustomToolCall(
                call_id="call_2", name="apply_patch", input="*** Begin Patch", id="ctc_1"
            ),
        ),
        Completed(
            response_id="resp_1",
            usage=TokenUsage(
                input_tokens=100,
                cached_input_tokens=80,
                output_tokens=20,
                reasoning_output_tokens=12,
                total_tokens=120,
            ),
        ),
    ]


def test_stream_without_completed_is_a_retryable_stream_cut() -> None:
    cut = STREAM[: STREAM.index(b"event: response.completed")]
    with pytest.raises(ModelError) as info:
        parse(cut)
    assert info.value.code == "stream_cut" and info.value.retryable


@pytest.mark.parametrize(
    ("code", "message", "expected", "retryable", "retry_after"),
    [
        (
            "context_length_exceeded",
            "Your input exceeds the context window",
            "context_window_exceeded",
            False,
            None,
        ),
        ("insufficient_quota", "You exceeded your current quota", "quota_exceeded", False, None),
        (
            "rate_limit_exceeded",
            "Rate limit reached. Please try again in 1.5s.",
            "rate_limited",
            True,
            1.5,
        ),
        ("rate_limit_exceeded", "Please try again in 250ms", "rate_limited", True, 0.25),
        ("invalid_prompt", "bad prompt", "bad_request", False, None),
        ("server_is_overloaded", "busy", "server_error", True, None),
        ("", "", "server_error", True, None),
    ],
)
def test_response_failed_is_classified(
    code: str, message: str, expected: str, retryable: bool, retry_after: float | None
) -> None:
    failed = sse(
        "response.failed",
        {"response": {"id": "r", "error": {"code": code, "message": message}}},
    )
    with pytest.raises(ModelError) as info:
        parse(failed)
    err = info.value
    assert (err.code, err.retryable, err.retry_after) == (expected, retryable, retry_after)
    assert "\n" not in str(err)


def test_incomplete_for_max_output_tokens_keeps_the_partial_text() -> None:
    delta = sse(
        "response.output_text.delta", {"item_id": "msg_9", "output_index": 0, "delta": "cut of"}
    )
    inc = sse(
        "response.incomplete",
        {"response": {"id": "r9", "incomplete_details": {"reason": "max_output_tokens"}}},
    )
    events = parse(delta + inc)
    done = [e for e in events if isinstance(e, ItemDone)]
    assert [d.item.text() for d in done if isinstance(d.item, Message)] == ["cut of"]
    last = events[-1]
    assert isinstance(last, Completed) and last.stop_reason == "max_output_tokens"
    assert last.usage is None


def test_incomplete_for_content_filter_is_an_error_not_retried() -> None:
    inc = sse(
        "response.incomplete",
        {"response": {"incomplete_details": {"reason": "content_filter"}}},
    )
    with pytest.raises(ModelError, match="content_filter") as info:
        parse(inc)
    assert info.value.retryable is False


def test_completed_at_the_output_cap_is_an_output_limit_stop() -> None:
    # llama-server's /v1/responses says "completed" for a reply cut at max_output_tokens.
    done = sse(
        "response.completed",
        {
            "response": {
                "id": "r",
                "status": "completed",
                "usage": {"input_tokens": 31, "output_tokens": 8},
            }
        },
    )
    parser = responses.ResponsesParser(PROVIDER, max_output_tokens=8)
    (cut,) = [e for sse_ev in decode_sse_bytes(done) for e in parser.feed(sse_ev)]
    assert isinstance(cut, Completed) and cut.stop_reason == "max_output_tokens"
    parser = responses.ResponsesParser(PROVIDER, max_output_tokens=64)
    (whole,) = [e for sse_ev in decode_sse_bytes(done) for e in parser.feed(sse_ev)]
    assert isinstance(whole, Completed) and whole.stop_reason is None  # the client says end_turn
