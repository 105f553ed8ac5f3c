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


def estimate_usage(prompt: Prompt, output: Sequence[Item]) -> TokenUsage:
    """Estimated tokens of ``prompt`` (instructions, tools, history) and of the
    ``output`` items the response produced. An estimate: label it so."""
    fixed = prompt.instructions + msgspec.json.encode(prompt.tools).decode()
    history = "".join(msgspec.json.encode(i).decode() for i in prompt.items)
    inp = count_tokens(fixed) + count_tokens(history)
    reasoning = sum(count_tokens(i.text()) for i in output if isinstance(i, Reasoning))
    out = sum(count_tokens(_output_text(i)) for i in output)
    return TokenUsage(
        input_tokens=inp,
        output_tokens=out,
        reasoning_output_tokens=reasoning,
        total_tokens=inp + out,
    )
