"""Tool-call arguments arrive in thousands of small deltas: each parser must collect them
in linear time (``+=`` on a string per delta was quadratic: 5 MB never finished).

The parsers are fed directly (no HTTP), so the time limit below is far above the ~1 s a
linear parser needs and far below the minute a quadratic one takes."""

from __future__ import annotations

import json

import pytest

from burro.config.types import ProviderInfo
from burro.models import anthropic, chat
from burro.protocol.items import FunctionCall
from burro.protocol.model import ItemDone, StreamEvent
from burro.util.sse import SseEvent
from tests.unit.models.history import prompt

PROVIDER = ProviderInfo(name="p", base_url="http://x/v1")
ARGS = json.dumps({"command": ["echo", "x" * (5 * 1024 * 1024)]})
DELTA = 32


def _pieces() -> list[str]:
    return [ARGS[i : i + DELTA] for i in range(0, len(ARGS), DELTA)]


def _ev(data: dict[str, object]) -> SseEvent:
    return SseEvent(event="message", data=json.dumps(data))


def _calls(events: list[StreamEvent]) -> list[FunctionCall]:
    return [e.item for e in events if isinstance(e, ItemDone) and isinstance(e.item, FunctionCall)]


@pytest.mark.timeout(30)
def test_chat_collects_five_megabytes_of_arguments() -> None:
    parser = chat.ChatParser(prompt(), PROVIDER)
    out: list[StreamEvent] = []

    def feed(delta: dict[str, object], finish: str | None = None) -> None:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        out.extend(parser.feed(_ev({"id": "c1", "choices": [choice]})))

    head = {"index": 0, "id": "call_1", "function": {"name": "shell", "arguments": ""}}
    feed({"tool_calls": [head]})
    for piece in _pieces():
        feed({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    feed({}, "tool_calls")
    out.extend(parser.feed(SseEvent(event="message", data="[DONE]")))
    (call,) = _calls(out)
    assert call.arguments == ARGS


@pytest.mark.timeout(30)
def test_anthropic_collects_five_megabytes_of_arguments() -> None:
    parser = anthropic.AnthropicParser(prompt(), PROVIDER)
    out: list[StreamEvent] = []
    block = {"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {}}
    out += parser.feed(_ev({"type": "message_start", "message": {"id": "m1", "usage": {}}}))
    out += parser.feed(_ev({"type": "content_block_start", "index": 0, "content_block": block}))
    for piece in _pieces():
        delta = {"type": "input_json_delta", "partial_json": piece}
        out += parser.feed(_ev({"type": "content_block_delta", "index": 0, "delta": delta}))
    out += parser.feed(_ev({"type": "content_block_stop", "index": 0}))
    out += parser.feed(_ev({"type": "message_stop"}))
    (call,) = _calls(out)
    assert call.arguments == ARGS
