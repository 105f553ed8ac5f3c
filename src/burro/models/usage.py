"""A tokenizer estimate of a response's usage, for servers that report none.

The figures come from the o200k tokenizer, not the model's own: they are an
*estimate* and must be shown as one (e.g. "~1,234 tokens, estimated: the server
reported no usage"). ``Completed.usage`` stays None so nobody mistakes them for
reported numbers."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from burro.protocol.common import TokenUsage
from burro.protocol.items import CustomToolCall, FunctionCall, Item, Message, Reasoning
from burro.protocol.model import Prompt
from burro.util.tokens import count_tokens


def _output_text(item: Item) -> str:
    if isinstance(item, Message):
        return item.text()
    if isinstance(item, Reasoning):
        return item.text()
    if isinstance(item, FunctionCall):
        return item.name + item.arguments
    if isinstance(item, CustomToolCall):
        return item.name + item.input
    return ""


def _item_tokens(item: Item) -> int:
    return count_tokens(msgspec.json.encode(item).decode())


def estimate_usage(
    prompt: Prompt, output: Sequence[Item], *, estimator: UsageEstimator | None = None
) -> TokenUsage:
    """Estimated tokens of ``prompt`` (instructions, tools, history) and of the
    ``output`` items the response produced. An estimate: label it so.

    Pass the session's ``estimator`` to count each history item once per session
    instead of once per request (the tokenizer reads ~1 MB/s)."""
    if estimator is not None:
        inp = estimator.prompt_tokens(prompt)
    else:
        fixed = prompt.instructions + msgspec.json.encode(prompt.tools).decode()
        inp = count_tokens(fixed) + sum(_item_tokens(i) for i in prompt.items)
    reasoning = sum(count_tokens(i.text()) for i in output if isinstance(i, Reasoning))
    out = sum(count_tokens(_output_text(i)) for i in output)
    return TokenUsage(
        input_tokens=inp,
        output_tokens=out,
        reasoning_output_tokens=reasoning,
        total_tokens=inp + out,
    )


class UsageEstimator:
    """Per-session memo of estimated prompt tokens: history items are never mutated
    once recorded, so each is counted once (keyed by identity, checked against the
    object itself); the fixed part is recounted only when it changes."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[Item, int]] = {}
        self._fixed: tuple[str, int] = ("", 0)

    def prompt_tokens(self, prompt: Prompt) -> int:
        fixed = prompt.instructions + msgspec.json.encode(prompt.tools).decode()
        if fixed != self._fixed[0]:
            self._fixed = (fixed, count_tokens(fixed))
        seen: dict[int, tuple[Item, int]] = {}
        total = self._fixed[1]
        for item in prompt.items:
            hit = self._items.get(id(item))
            if hit is None or hit[0] is not item:
                hit = (item, _item_tokens(item))
            seen[id(item)] = hit
            total += hit[1]
        self._items = seen
        return total
