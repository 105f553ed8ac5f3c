"""Reusing encoded items across requests gives exactly the bytes of a fresh encoding."""

from burro.models._wire import EncodedItems
from burro.models.responses import build_body
from burro.protocol.items import FunctionCall, FunctionCallOutput, user_text
from burro.protocol.model import Prompt


def test_cached_body_is_byte_identical_as_history_grows_and_shrinks() -> None:
    cache = EncodedItems()
    items: list = [user_text("start")]
    for i in range(30):
        items += [
            FunctionCall(call_id=f"c{i}", name="shell", arguments='{"command":"ls"}'),
            FunctionCallOutput(call_id=f"c{i}", output=f"out {i} ✓"),
        ]
        prompt = Prompt(model="m", instructions="be good", items=list(items), cache_key="k")
        assert build_body(prompt, cache=cache) == build_body(prompt)
    items = [user_text("compacted"), *items[-4:]]  # history replaced (compaction)
    prompt = Prompt(model="m", instructions="be good", items=items)
    assert build_body(prompt, cache=cache) == build_body(prompt)
