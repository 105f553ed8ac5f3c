"""Anthropic Messages wire: ``POST {base_url}/messages`` (base_url like ``.../v1``).

History mapping (request bodies stay append-only):
- ``instructions`` → ``system`` (one text block with a cache breakpoint); the tools carry
  a breakpoint on the last tool; the top-level ``cache_control`` lets the API cache the
  conversation prefix. No per-message markers (they would move and break the prefix).
- A run of assistant-side items → ONE assistant message, blocks in order: ``thinking``
  (text + signature from ``Reasoning.encrypted_content``; a Reasoning with a signature and
  no text is a ``redacted_thinking`` block; reasoning without a signature is not sent),
  ``text`` (empty text skipped), ``tool_use`` (arguments parsed; invalid JSON → ``{}``).
- A run of tool outputs → ONE user message of ``tool_result`` blocks.
- user and developer messages → user messages (the API has no mid-conversation system).
- ``max_tokens`` is required: ``prompt.max_output_tokens``, else 4096 for claude-3 models,
  8192 for claude-3.5, 32000 for everything newer (every Claude 4.x model allows that).
- ``effort`` → ``thinking.budget_tokens`` (minimal 1024, low 4096, medium 12288, high 24576,
  xhigh 30000), kept below ``max_tokens``; effort "none" sends no thinking.
- ``output_schema`` is not sent (not part of the stable Messages API).
"""

from __future__ import annotations

from typing import Any

from burro.config.types import ProviderInfo
from burro.models._wire import (
    FREEFORM_PARAMETERS,
    GroupMemo,
    as_dict,
    as_int,
    decode_data,
    encode,
    freeform_description,
    freeform_names,
    tool_call_item,
)
from burro.models.errors import ModelError, classify_stream_error
from burro.protocol.common import TokenUsage
from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    ImagePart,
    Item,
    Message,
    Reasoning,
    TextPart,
)
from burro.protocol.model import (
    Completed,
    ItemDone,
    ItemStarted,
    Prompt,
    ReasoningDelta,
    StopReason,
    StreamEvent,
    TextDelta,
)
from burro.protocol.tools import ToolSpec
from burro.util.sse import SseEvent

ANTHROPIC_VERSION = "2023-06-01"
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
THINKING_BUDGET = {"minimal": 1024, "low": 4096, "medium": 12288, "high": 24576, "xhigh": 30000}
MIN_THINKING_BUDGET = 1024
# stop_reason "max_tokens" is the output limit: the partial answer is kept.
_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "tool_calls",
    "max_tokens": "max_output_tokens",
    "refusal": "content_filter",
}


def default_max_tokens(model: str) -> int:
    m = model.lower()
    if "claude-3-5" in m or "claude-3.5" in m:
        return 8192
    if "claude-3-" in m and "claude-3-7" not in m:
        return 4096
    return 32000


def thinking_budget(effort: str | None, max_tokens: int) -> int | None:
    if effort is None or effort not in THINKING_BUDGET:
        return None
    budget = min(THINKING_BUDGET[effort], max_tokens - MIN_THINKING_BUDGET)
    return budget if budget >= MIN_THINKING_BUDGET else None


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    if tool.kind == "freeform":
        return {
            "name": tool.name,
            "description": freeform_description(tool.description, tool.grammar),
            "input_schema": FREEFORM_PARAMETERS,
        }
    return {
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.parameters or {"type": "object", "properties": {}},
    }


def image_block(image: ImagePart) -> dict[str, Any]:
    url = image.image_url
    if url.startswith("data:") and ";base64," in url:
        media_type, _, data = url[5:].partition(";base64,")
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _user_blocks(msg: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in msg.content:
        if isinstance(part, TextPart):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        else:
            blocks.append(image_block(part))
    return blocks


def _tool_input(arguments: str) -> Any:
    parsed = decode_data(arguments)
    return parsed if isinstance(parsed, dict) else {}


def _assistant_blocks(run: list[Item]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for item in run:
        if isinstance(item, Reasoning):
            if item.encrypted_content is None:
                continue
            if item.content:
                blocks.append(
                    {
                        "type": "thinking",
                        "thinking": item.content[0],
                        "signature": item.encrypted_content,
                    }
                )
            else:
                blocks.append({"type": "redacted_thinking", "data": item.encrypted_content})
        elif isinstance(item, Message):
            text = item.text()
            if text:
                blocks.append({"type": "text", "text": text})
        elif isinstance(item, FunctionCall):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": item.call_id,
                    "name": item.name,
                    "input": _tool_input(item.arguments),
                }
            )
        elif isinstance(item, CustomToolCall):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": item.call_id,
                    "name": item.name,
                    "input": {"input": item.input},
                }
            )
    return blocks


def _tool_result(out: FunctionCallOutput | CustomToolCallOutput) -> dict[str, Any]:
    content: str | list[dict[str, Any]] = out.output
    if isinstance(out, FunctionCallOutput) and out.images:
        content = [{"type": "text", "text": out.output}] if out.output else []
        content += [image_block(i) for i in out.images]
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": out.call_id, "content": content}
    if out.success is False:
        block["is_error"] = True
    return block


def _is_assistant_side(item: Item) -> bool:
    if isinstance(item, Message):
        return item.role == "assistant"
    return isinstance(item, Reasoning | FunctionCall | CustomToolCall)


def messages_json(items: list[Item], memo: GroupMemo | None = None) -> list[dict[str, Any]]:
    memo = memo if memo is not None else GroupMemo(size=0)
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(items):
        item = items[i]
        if _is_assistant_side(item):
            j = i
            while j < len(items) and _is_assistant_side(items[j]):
                j += 1
            run = items[i:j]
            blocks = memo.get(run, _assistant_blocks, run)
            if blocks:
                out.append({"role": "assistant", "content": blocks})
            i = j
        elif isinstance(item, Message):
            blocks = memo.get((item,), _user_blocks, item)
            if blocks:
                out.append({"role": "user", "content": blocks})
            i += 1
        else:
            results: list[dict[str, Any]] = []
            while i < len(items):
                nxt = items[i]
                if not isinstance(nxt, FunctionCallOutput | CustomToolCallOutput):
                    break
                results.append(memo.get((nxt,), _tool_result, nxt))
                i += 1
            out.append({"role": "user", "content": results})
    return out


def build_body(prompt: Prompt, *, memo: GroupMemo | None = None) -> bytes:
    max_tokens = prompt.max_output_tokens or default_max_tokens(prompt.model)
    body: dict[str, Any] = {"model": prompt.model, "max_tokens": max_tokens, "stream": True}
    if prompt.instructions:
        body["system"] = [{"type": "text", "text": prompt.instructions, "cache_control": EPHEMERAL}]
    if prompt.tools:
        tools = [tool_json(t) for t in prompt.tools]
        tools[-1]["cache_control"] = EPHEMERAL
        body["tools"] = tools
        choice: dict[str, Any] = {"type": "auto"}
        if not prompt.parallel_tool_calls:
            choice["disable_parallel_tool_use"] = True
        body["tool_choice"] = choice
    budget = thinking_budget(prompt.effort, max_tokens)
    if budget is not None:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    body["cache_control"] = EPHEMERAL
    body["messages"] = messages_json(prompt.items, memo)
    return encode(body)


class _Block:
    """One content block being streamed. Text and JSON arrive as fragments that are
    joined once at ``content_block_stop`` (``+=`` per delta would be quadratic)."""

    __slots__ = ("call_id", "kind", "name", "parts", "sig_parts")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.parts: list[str] = []
        self.sig_parts: list[str] = []
        self.call_id = ""
        self.name = ""

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def signature(self) -> str:
        return "".join(self.sig_parts)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class AnthropicParser:
    def __init__(self, prompt: Prompt, provider: ProviderInfo) -> None:
        self._provider = provider
        self._freeform = freeform_names(prompt)
        self._msg_id = ""
        self._blocks: dict[int, _Block] = {}
        self._input = 0
        self._cached = 0
        self._output = 0
        self._usage_seen = False
        self._stop_reason: StopReason | None = None
        self._done = False
        self._progress = 0

    @property
    def done(self) -> bool:
        return self._done

    @property
    def progress(self) -> int:
        return self._progress

    def _item_id(self, index: int) -> str:
        return f"{self._msg_id or 'msg'}_{index}"

    def _read_usage(self, raw: Any) -> None:
        u = as_dict(raw)
        if as_int(u.get("input_tokens")) or as_int(u.get("output_tokens")):
            self._usage_seen = True
        if "input_tokens" in u:
            read = as_int(u.get("cache_read_input_tokens"))
            created = as_int(u.get("cache_creation_input_tokens"))
            self._input = as_int(u.get("input_tokens")) + read + created
            self._cached = read
        if "output_tokens" in u:
            self._output = as_int(u.get("output_tokens"))

    def feed(self, sse: SseEvent) -> list[StreamEvent]:
        data = decode_data(sse.data)
        if not isinstance(data, dict):
            return []
        kind = data.get("type") or sse.event
        if kind not in ("ping", "message_start", "error"):
            self._progress += 1  # content blocks, deltas, message_delta/stop
        if kind == "content_block_delta":
            return self._delta(as_int(data.get("index")), as_dict(data.get("delta")))
        if kind == "content_block_start":
            return self._start(as_int(data.get("index")), as_dict(data.get("content_block")))
        if kind == "content_block_stop":
            return self._stop(as_int(data.get("index")))
        if kind == "message_start":
            message = as_dict(data.get("message"))
            self._msg_id = _str(message.get("id"))
            self._read_usage(message.get("usage"))
        elif kind == "message_delta":
            self._read_usage(data.get("usage"))
            stop = _str(as_dict(data.get("delta")).get("stop_reason"))
            if stop:
                self._stop_reason = _STOP_REASONS.get(stop, "other")
            if stop == "model_context_window_exceeded":
                raise ModelError(
                    "context_window_exceeded",
                    f"{self._provider.name} stopped: the model's context window is full",
                )
        elif kind == "message_stop":
            self._done = True
            usage = None
            if self._usage_seen:
                usage = TokenUsage(
                    input_tokens=self._input,
                    cached_input_tokens=self._cached,
                    output_tokens=self._output,
                    total_tokens=self._input + self._output,
                )
            return [Completed(response_id=self._msg_id, usage=usage, stop_reason=self._stop_reason)]
        elif kind == "error":
            err = as_dict(data.get("error"))
            raise classify_stream_error(
                _str(err.get("type")), _str(err.get("message")), self._provider
            )
        return []

    def _start(self, index: int, raw: dict[str, Any]) -> list[StreamEvent]:
        kind = _str(raw.get("type"))
        block = _Block(kind)
        self._blocks[index] = block
        item_id = self._item_id(index)
        if kind == "text":
            first = _str(raw.get("text"))
            block.parts.append(first)
            started: list[StreamEvent] = [ItemStarted(item_id=item_id, kind="message")]
            if first:
                started.append(TextDelta(item_id=item_id, delta=first))
            return started
        if kind == "thinking":
            block.parts.append(_str(raw.get("thinking")))
            block.sig_parts.append(_str(raw.get("signature")))
            return [ItemStarted(item_id=item_id, kind="reasoning")]
        if kind == "redacted_thinking":
            block.sig_parts.append(_str(raw.get("data")))
            return []
        if kind == "tool_use":
            block.call_id = _str(raw.get("id"))
            block.name = _str(raw.get("name"))
            initial = raw.get("input")
            if isinstance(initial, dict) and initial:
                block.parts.append(encode(initial).decode())
            return [ItemStarted(item_id=item_id, kind="tool_call")]
        return []

    def _delta(self, index: int, delta: dict[str, Any]) -> list[StreamEvent]:
        block = self._blocks.get(index)
        if block is None:
            return []
        kind = delta.get("type")
        item_id = self._item_id(index)
        if kind == "text_delta":
            text = _str(delta.get("text"))
            block.parts.append(text)
            return [TextDelta(item_id=item_id, delta=text)] if text else []
        if kind == "thinking_delta":
            text = _str(delta.get("thinking"))
            block.parts.append(text)
            return [ReasoningDelta(item_id=item_id, delta=text)] if text else []
        if kind == "signature_delta":
            block.sig_parts.append(_str(delta.get("signature")))
        elif kind == "input_json_delta":
            block.parts.append(_str(delta.get("partial_json")))
        return []

    def _stop(self, index: int) -> list[StreamEvent]:
        block = self._blocks.get(index)
        if block is None:
            return []
        item_id = self._item_id(index)
        item: Item
        if block.kind == "text":
            item = Message(role="assistant", content=[TextPart(text=block.text)], id=item_id)
        elif block.kind == "thinking":
            item = Reasoning(
                content=[block.text], encrypted_content=block.signature or None, id=item_id
            )
        elif block.kind == "redacted_thinking":
            item = Reasoning(encrypted_content=block.signature, id=item_id)
        elif block.kind == "tool_use":
            item = tool_call_item(
                call_id=block.call_id,
                name=block.name,
                arguments=block.text or "{}",
                item_id=item_id,
                freeform=self._freeform,
            )
        else:
            return []
        return [ItemDone(item_id=item_id, item=item)]

    def finish(self) -> list[StreamEvent]:
        if not self._done:
            raise ModelError(
                "stream_cut", f"stream from {self._provider.name} closed before message_stop"
            )
        return []


class AnthropicWire:
    path = "messages"

    def headers(self, *, api_key: str | None, session_id: str) -> dict[str, str]:
        h = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "anthropic-version": ANTHROPIC_VERSION,
        }
        if api_key:
            h["x-api-key"] = api_key
        return h

    def __init__(self) -> None:
        # Messages built for earlier requests of this client's session (never shared
        # between sessions: it dies with the client).
        self._memo = GroupMemo()

    def build_body(self, prompt: Prompt) -> bytes:
        return build_body(prompt, memo=self._memo)

    def parser(self, prompt: Prompt, provider: ProviderInfo) -> AnthropicParser:
        return AnthropicParser(prompt, provider)
