from __future__ import annotations

import json
from typing import Any

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError, chat
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
from tests.unit.models.history import PNG, history, prompt

PROVIDER = ProviderInfo(name="ollama", base_url="http://x/v1", wire_api="chat")


def body(**kw: Any) -> dict[str, Any]:
    return json.loads(chat.build_body(prompt(**kw)))


def test_body_keys_come_in_a_fixed_order_with_messages_last() -> None:
    b = body(effort="low", output_schema={"type": "object"}, max_output_tokens=99)
    assert list(b) == [
        "model",
        "stream",
        "stream_options",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning_effort",
        "response_format",
        "max_tokens",
        "messages",
    ]
    assert b["stream_options"] == {"include_usage": True}
    assert b["reasoning_effort"] == "low"
    assert b["response_format"]["json_schema"]["name"] == "burro_output_schema"
    assert b["max_tokens"] == 99


def test_without_tools_no_tool_fields_are_sent() -> None:
    b = body(tools=[])
    assert "tools" not in b and "tool_choice" not in b and "parallel_tool_calls" not in b
    assert "reasoning_effort" not in b


def test_freeform_tool_is_offered_as_a_function_with_one_input_string() -> None:
    patch = body()["tools"][1]
    assert patch["type"] == "function"
    fn = patch["function"]
    assert fn["name"] == "apply_patch"
    assert fn["parameters"]["properties"] == {
        "input": {"type": "string", "description": "The raw tool input."}
    }
    assert "Lark grammar" in fn["description"]


def test_history_maps_to_chat_messages() -> None:
    msgs = body()["messages"]
    assert [m["role"] for m in msgs] == [
        "system",  # instructions
        "system",  # developer message
        "user",
        "assistant",  # reasoning + text + two calls
        "tool",
        "tool",
        "user",  # image from the second tool output
        "assistant",  # custom call
        "tool",
        "user",
        "assistant",
        "user",
    ]
    assert msgs[0]["content"] == "You are burro."
    assert msgs[2]["content"][1] == {"type": "image_url", "image_url": {"url": PNG}}
    assert msgs[3] == {
        "role": "assistant",
        "reasoning_content": "I should list the files.",
        "content": "Let me look.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "shell", "arguments": '{"command":["ls"]}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "shell", "arguments": "{not json"},
            },
        ],
    }
    assert msgs[4] == {"role": "tool", "tool_call_id": "call_1", "content": "a.py\nb.py"}
    assert msgs[6]["content"][1] == {"type": "image_url", "image_url": {"url": PNG}}
    assert msgs[7]["content"] is None
    assert json.loads(msgs[7]["tool_calls"][0]["function"]["arguments"]) == {
        "input": "*** Begin Patch\n*** End Patch"
    }
    assert msgs[8] == {"role": "tool", "tool_call_id": "call_3", "content": "Done!"}
    assert msgs[9] == {"role": "user", "content": "also run the tests"}


def test_reasoning_without_a_following_answer_is_not_sent() -> None:
    items = [*history(1), Reasoning(content=["thinking..."])]
    assert body(items=items)["messages"] == body(items=history(1))["messages"]


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any) -> bytes:
    obj: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion.chunk", **top}
    if delta is not None or finish is not None:
        obj["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return f"data: {json.dumps(obj)}\n\n".encode()


USAGE = {
    "prompt_tokens": 50,
    "prompt_tokens_details": {"cached_tokens": 30},
    "completion_tokens": 10,
    "completion_tokens_details": {"reasoning_tokens": 4},
    "total_tokens": 60,
}


def parse(raw: bytes, **prompt_kw: Any) -> list[StreamEvent]:
    parser = chat.ChatParser(prompt(**prompt_kw), PROVIDER)
    out: list[StreamEvent] = []
    for sse in decode_sse_bytes(raw):
        out.extend(parser.feed(sse))
        if parser.done:
            return out
    out.extend(parser.finish())
    return out


TOOL_STREAM = b"".join(
    [
        chunk({"role": "assistant", "reasoning_content": "Hmm"}),
        chunk({"reasoning": "..."}),
        chunk({"content": "Run"}),
        b"data: {not json\n\n",
        chunk({"content": "ning"}),
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "c1", "function": {"name": "shell", "arguments": ""}}
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"comm'}}]}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "c2",
                        "function": {"name": "apply_patch", "arguments": '{"input":'},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'and":["ls"]}'}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": ' "P"}'}}]}),
        chunk({}, finish="tool_calls"),
        chunk(choices=[], usage=USAGE),
        b"data: [DONE]\n\n",
    ]
)


def test_stream_with_reasoning_text_and_merged_tool_calls() -> None:
    events = parse(TOOL_STREAM)
    assert events == [
        ItemStarted(item_id="chatcmpl-1-rs", kind="reasoning"),
        ReasoningDelta(item_id="chatcmpl-1-rs", delta="Hmm"),
        ReasoningDelta(item_id="chatcmpl-1-rs", delta="..."),
        ItemStarted(item_id="chatcmpl-1-msg", kind="message"),
        TextDelta(item_id="chatcmpl-1-msg", delta="Run"),
        TextDelta(item_id="chatcmpl-1-msg", delta="ning"),
        ItemDone(item_id="chatcmpl-1-rs", item=Reasoning(content=["Hmm..."])),
        ItemDone(
            item_id="chatcmpl-1-msg",
            item=Message(role="assistant", content=[TextPart(text="Running")]),
        ),
        ItemDone(
            item_id="c1",
            item=FunctionCall(call_id="c1", name="shell", arguments='{"command":["ls"]}'),
        ),
        ItemDone(item_id="c2", item=CustomToolCall(call_id="c2", name="apply_patch", input="P")),
        Completed(
            response_id="chatcmpl-1",
            usage=TokenUsage(
                input_tokens=50,
                cached_input_tokens=30,
                output_tokens=10,
                reasoning_output_tokens=4,
                total_tokens=60,
            ),
            stop_reason="tool_calls",
        ),
    ]


def test_stream_without_done_but_with_finish_reason_completes() -> None:
    raw = chunk({"content": "hi"}) + chunk({}, finish="stop")
    assert isinstance(parse(raw)[-1], Completed)


def test_stream_cut_before_finish_is_a_retryable_stream_cut() -> None:
    with pytest.raises(ModelError) as info:
        parse(chunk({"content": "hi"}))
    assert info.value.code == "stream_cut" and info.value.retryable


def test_finish_reason_length_keeps_the_partial_answer_and_says_output_limit() -> None:
    events = parse(chunk({"content": "half an ans"}) + chunk({}, finish="length"))
    items = [e.item for e in events if isinstance(e, ItemDone)]
    assert [i.text() for i in items if isinstance(i, Message)] == ["half an ans"]
    last = events[-1]
    assert isinstance(last, Completed) and last.stop_reason == "max_output_tokens"
    assert last.usage is None  # nothing reported: None, not zeros


def test_error_object_inside_the_stream_is_classified() -> None:
    raw = b'data: {"error": {"code": 429, "message": "slow down, try again in 2s"}}\n\n'
    with pytest.raises(ModelError) as info:
        parse(raw)
    assert info.value.code == "rate_limited" and info.value.retry_after == 2.0


def test_tool_call_fragments_without_index_are_merged_by_id() -> None:
    raw = b"".join(
        [
            chunk(
                {"tool_calls": [{"id": "a", "function": {"name": "shell", "arguments": '{"x"'}}]}
            ),
            chunk({"tool_calls": [{"function": {"arguments": ": 1}"}}]}),
            chunk({"tool_calls": [{"id": "b", "function": {"name": "shell", "arguments": "{}"}}]}),
            chunk({}, finish="tool_calls"),
            b"data: [DONE]\n\n",
        ]
    )
    calls = [e.item for e in parse(raw) if isinstance(e, ItemDone)]
    assert calls == [
        FunctionCall(call_id="a", name="shell", arguments='{"x": 1}'),
        FunctionCall(call_id="b", name="shell", arguments="{}"),
    ]
