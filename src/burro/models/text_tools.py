"""``tool_calling = "text"``: tool calling for models and servers without it.

A ModelClient wrapper, so the core needs nothing new. Each request goes to the inner
client without tools: the tools are described at the end of the instructions
(``data/text_tools.md``), earlier calls are shown as the JSON blocks the model is
asked to write, and tool results as user messages. Each reply is parsed
(:mod:`burro.models.text_calls`): an offered tool with a JSON-object argument becomes a
FunctionCall (CustomToolCall for freeform tools); any other call-shaped block becomes a
call of ``invalid_tool_call``, which no registry offers, so the core answers it like
any unknown tool, and the next request shows the model the precise reason instead
(from ``data/text_tool_error.md``). Rendering is a pure function of the items, so the
requests stay append-only.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

import msgspec

from burro.models.base import ModelClient
from burro.models.text_calls import BadCall, ParsedCall, parse_text_calls
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    ImagePart,
    Item,
    Message,
    TextPart,
)
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent
from burro.protocol.tools import ToolSpec

INVALID_CALL = "invalid_tool_call"


@cache
def _data(name: str) -> str:
    return resources.files("burro.models").joinpath("data", name).read_text(encoding="utf-8")


def tools_text(tools: Sequence[ToolSpec]) -> str:
    parts: list[str] = []
    for tool in tools:
        if tool.kind == "freeform":
            schema: Any = {
                "type": "object",
                "properties": {"input": {"type": "string"}},
                "required": ["input"],
            }
            note = "\nPass the raw input as the string argument `input`."
            if tool.grammar:
                note += " It must match this Lark grammar:\n" + tool.grammar
        else:
            schema = tool.parameters or {"type": "object", "properties": {}}
            note = ""
        params = msgspec.json.encode(schema).decode()
        parts.append(f"## {tool.name}\n\n{tool.description}{note}\n\nArguments: {params}")
    return _data("text_tools.md").strip().replace("{tools}", "\n\n".join(parts))


def _call_block(name: str, arguments: Any) -> str:
    body = msgspec.json.encode({"name": name, "arguments": arguments}).decode()
    return f"\n```json\n{body}\n```\n"


def _decode_or(raw: str, default: Any) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return default


def _assistant(text: str) -> Message:
    return Message(role="assistant", content=[TextPart(text=text)])


class _Renderer:
    """History items -> items for a server without tools (memoised by identity, so the
    wire below sees the same objects again and reuses its own caches)."""

    def __init__(self) -> None:
        self._prev: dict[tuple[int, ...], tuple[tuple[object, ...], Item]] = {}
        self._cur: dict[tuple[int, ...], tuple[tuple[object, ...], Item]] = {}

    def render(self, items: Sequence[Item], names: frozenset[str]) -> list[Item]:
        self._cur = {}
        calls: dict[str, FunctionCall | CustomToolCall] = {}
        out: list[Item] = []
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, FunctionCallOutput | CustomToolCallOutput):
                j = i
                while j < len(items) and isinstance(
                    items[j], FunctionCallOutput | CustomToolCallOutput
                ):
                    j += 1
                out.append(self._memo(items[i:j], self._results, items[i:j], calls, names))
                i = j
                continue
            if isinstance(item, FunctionCall | CustomToolCall):
                calls[item.call_id] = item
                out.append(self._memo([item], self._call, item))
            else:
                out.append(item)
            i += 1
        self._prev = self._cur
        return out

    def _memo(self, group: Sequence[Item], build: Any, *args: Any) -> Item:
        key = tuple(map(id, group))
        hit = self._prev.get(key)
        if hit is None or not all(a is b for a, b in zip(hit[0], group, strict=True)):
            hit = (tuple(group), build(*args))
        self._cur[key] = hit
        return hit[1]

    @staticmethod
    def _call(item: FunctionCall | CustomToolCall) -> Item:
        if isinstance(item, CustomToolCall):
            return _assistant(_call_block(item.name, {"input": item.input}))
        if item.name == INVALID_CALL:
            bad = _decode_or(item.arguments, {})
            text = bad.get("text") if isinstance(bad, dict) else None
            return _assistant(f"\n{text}\n" if isinstance(text, str) else "\n")
        return _assistant(_call_block(item.name, _decode_or(item.arguments, item.arguments)))

    @staticmethod
    def _results(
        run: Sequence[Item], calls: dict[str, FunctionCall | CustomToolCall], names: frozenset[str]
    ) -> Item:
        content: list[TextPart | ImagePart] = []
        for out in run:
            assert isinstance(out, FunctionCallOutput | CustomToolCallOutput)
            call = calls.get(out.call_id)
            if isinstance(call, FunctionCall) and call.name == INVALID_CALL:
                bad = _decode_or(call.arguments, {})
                reason = bad.get("error") if isinstance(bad, dict) else None
                text = (
                    _data("text_tool_error.md")
                    .strip()
                    .replace("{reason}", str(reason or "it could not be parsed"))
                    .replace("{names}", ", ".join(sorted(names)))
                )
            else:
                name = call.name if call is not None else "tool"
                text = f"Result of `{name}` (call {out.call_id}):\n{out.output}"
            content.append(TextPart(text=text))
            if isinstance(out, FunctionCallOutput):
                content.extend(out.images)
        return Message(role="user", content=content)


def _reply_items(item_id: str, message: Message, offered: dict[str, ToolSpec]) -> list[StreamEvent]:
    split = parse_text_calls(message.text(), frozenset(offered))
    if not split.calls:
        return [ItemDone(item_id=item_id, item=message)]
    out: list[StreamEvent] = []
    if split.text:
        prose = Message(role="assistant", content=[TextPart(text=split.text)], id=message.id)
        out.append(ItemDone(item_id=item_id, item=prose))
    for call in split.calls:
        call_id = f"call_text_{uuid.uuid4().hex[:16]}"
        item: FunctionCall | CustomToolCall
        if isinstance(call, BadCall):
            args = msgspec.json.encode({"error": call.reason, "text": call.text}).decode()
            item = FunctionCall(call_id=call_id, name=INVALID_CALL, arguments=args)
        else:
            item = _parsed_item(call_id, call, offered[call.name])
        out.append(ItemDone(item_id=call_id, item=item))
    return out


def _parsed_item(call_id: str, call: ParsedCall, tool: ToolSpec) -> FunctionCall | CustomToolCall:
    if tool.kind == "freeform":
        args = _decode_or(call.arguments, {})
        if isinstance(args.get("input"), str):
            return CustomToolCall(call_id=call_id, name=call.name, input=args["input"])
    return FunctionCall(call_id=call_id, name=call.name, arguments=call.arguments)


class TextToolClient:
    """Wraps a ModelClient: tools travel as text (see the module docstring)."""

    def __init__(self, inner: ModelClient) -> None:
        self._inner = inner
        self._renderer = _Renderer()

    def text_prompt(self, prompt: Prompt) -> Prompt:
        names = frozenset(t.name for t in prompt.tools)
        return msgspec.structs.replace(
            prompt,
            instructions=prompt.instructions.rstrip() + "\n\n" + tools_text(prompt.tools),
            items=self._renderer.render(prompt.items, names),
            tools=[],
        )

    async def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]:
        if not prompt.tools:
            async for event in self._inner.stream(prompt):
                yield event
            return
        offered = {t.name: t for t in prompt.tools}
        calls = text = False
        async for event in self._inner.stream(self.text_prompt(prompt)):
            if (
                isinstance(event, ItemDone)
                and isinstance(event.item, Message)
                and event.item.role == "assistant"
            ):
                for out in _reply_items(event.item_id, event.item, offered):
                    assert isinstance(out, ItemDone)
                    if isinstance(out.item, Message):
                        text = text or bool(out.item.text().strip())
                    else:
                        calls = True
                    yield out
            elif isinstance(event, Completed):
                stop = event.stop_reason
                if calls and stop in (None, "end_turn"):
                    stop = "tool_calls"
                yield msgspec.structs.replace(event, stop_reason=stop, empty=not (text or calls))
            else:
                yield event

    async def aclose(self) -> None:
        await self._inner.aclose()
