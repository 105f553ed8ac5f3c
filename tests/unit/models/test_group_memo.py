"""Chat and Anthropic reuse messages built for earlier requests: same bytes as a fresh
build, and a group that grew is rebuilt."""

import msgspec
import pytest

from burro.models import anthropic, chat
from burro.protocol.items import (
    FunctionCall,
    FunctionCallOutput,
    Item,
    Message,
    TextPart,
    user_text,
)
from burro.protocol.model import Prompt


def _fresh(items: list[Item]) -> list[Item]:
    raw = msgspec.json.encode(items)
    return msgspec.json.decode(raw, type=list[Item])  # equal values, new objects


@pytest.mark.parametrize("wire", [chat, anthropic])
def test_memoised_bodies_match_fresh_ones_and_growth_is_seen(wire: object) -> None:
    build = wire.build_body  # type: ignore[attr-defined]
    items: list[Item] = [user_text("start")]
    for i in range(5):
        items.append(FunctionCall(call_id=f"c{i}", name="shell", arguments='{"command":"ls"}'))
        first = build(Prompt(model="m", instructions="sys", items=list(items)))
        # The same assistant group grows by a second call in the same response.
        items.append(FunctionCall(call_id=f"d{i}", name="shell", arguments='{"command":"pwd"}'))
        grown = build(Prompt(model="m", instructions="sys", items=list(items)))
        assert f"d{i}".encode() in grown and f"d{i}".encode() not in first
        items += [
            FunctionCallOutput(call_id=f"c{i}", output="a"),
            FunctionCallOutput(call_id=f"d{i}", output="b"),
        ]
        items.append(Message(role="assistant", content=[TextPart(text=f"answer {i}")]))
        items.append(user_text(f"next {i}"))
        prompt = Prompt(model="m", instructions="sys", items=list(items))
        assert build(prompt) == build(Prompt(model="m", instructions="sys", items=_fresh(items)))
