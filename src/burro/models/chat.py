"""Chat Completions wire (any OpenAI-compatible server): ``POST {base_url}/chat/completions``.

History mapping (request bodies stay append-only):
- ``instructions`` → the first ``system`` message; developer-role messages → ``system``
  messages in place (the closest meaning; most servers accept them mid-conversation).
- A run of assistant-side items (reasoning, assistant text, tool calls) → ONE assistant
  message: ``reasoning_content`` (joined reasoning text), ``content`` (joined text, or
  null), ``tool_calls``. Reasoning with no assistant item after it is not sent.
- A run of tool outputs → one ``tool`` message each; images from those outputs follow
  the run as one ``user`` message (tool messages carry text only).
- Freeform tools are offered as functions with one string parameter ``input``; their
  calls travel as ``{"input": ...}`` and come back as CustomToolCall items.
"""

from __future__ import annotations

from typing import Any

from burro.config.types import ProviderInfo
from burro.models._wire import (
    FREEFORM_PARAMETERS,
    GroupMemo,
    as_dict,
    as_int,
    custom_call_arguments,
    decode_data,
    encode,
    freeform_description,
    freeform_names,
    tool_call_item,
)
from burro.models.errors import ModelError, classify_stream_error, error_detail
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

OUTPUT_SCHEMA_NAME = "burro_output_schema"
# finish_reason "length" is the output limit (max_tokens / n_predict), not a full
# context window: the partial answer is kept and reported as such.
_PROGRESS_KEYS = ("content", "tool_calls", "reasoning_content", "reasoning")
_STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "length": "max_output_tokens",
    "content_filter": "content_filter",
}


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    if tool.kind == "freeform":
        fn = {
            "name": tool.name,
            "description": freeform_description(tool.description, tool.grammar),
            "parameters": FREEFORM_PARAMETERS,
        }
    else:
        fn = {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters or {"type": "object", "properties": {}},
        }
    return {"type": "function", "function": fn}


def _content(msg: Message) -> str | list[dict[str, Any]]:
    if len(msg.content) == 1 and isinstance(msg.content[0], TextPart):
        return msg.content[0].text
    return [_part(p) for p in msg.content]


def _part(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    return {"type": "image_url", "image_url": {"url": part.image_url}}


def _is_assistant_side(item: Item) -> bool:
    if isinstance(item, Message):
        return item.role == "assistant"
    return isinstance(item, Reasoning | FunctionCall | CustomToolCall)


def _assistant_message(run: list[Item]) -> dict[str, Any] | None:
    reasoning: list[str] = []
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in run:
        if isinstance(item, Reasoning):
            text = "\n\n".join(item.content) or "\n\n".join(item.summary)
            if text:
                reasoning.append(text)
        elif isinstance(item, Message):
            texts.append(item.text())
        elif isinstance(item, FunctionCall):
            fn = {"name": item.name, "arguments": item.arguments}
            calls.append({"id": item.call_id, "type": "function", "function": fn})
        elif isinstance(item, CustomToolCall):
            fn = {"name": item.name, "arguments": custom_call_arguments(item)}
            calls.append({"id": item.call_id, "type": "function", "function": fn})
    if not texts and not calls:
        return None  # reasoning alone is not sent
    out: dict[str, Any] = {"role": "assistant"}
    if reasoning:
        out["reasoning_content"] = "\n\n".join(reasoning)
    out["content"] = "".join(texts) if texts else None
    if calls:
        out["tool_calls"] = calls
    return out


def messages_json(prompt: Prompt, memo: GroupMemo | None = None) -> list[dict[str, Any]]:
    memo = memo if memo is not None else GroupMemo(size=0)
    out: list[dict[str, Any]] = [{"role": "system", "content": prompt.instructions}]
    items = prompt.items
    i = 0
    while i < len(items):
        item = items[i]
        if _is_assistant_side(item):
            j = i
            while j < len(items) and _is_assistant_side(items[j]):
                j += 1
            run = items[i:j]
            msg = memo.get(run, _assistant_message, run)
            if msg is not None:
                out.append(msg)
            i = j
        elif isinstance(item, Message):
            role = "system" if item.role == "developer" else item.role
            out.append({"role": role, "content": memo.get((item,), _content, item)})
            i += 1
        else:
            images: list[dict[str, Any]] = []
            while i < len(items) and not _is_assistant_side(items[i]):
                out_item = items[i]
                if not isinstance(out_item, FunctionCallOutput | CustomToolCallOutput):
                    break
                out.append(
                    {"role": "tool", "tool_call_id": out_item.call_id, "content": out_item.output}
                )
                if isinstance(out_item, FunctionCallOutput) and out_item.images:
                    images.append({"type": "text", "text": f"Images from {out_item.call_id}:"})
                    images.extend(_part(img) for img in out_item.images)
                i += 1
            if images:
                out.append({"role": "user", "content": images})
    return out


def build_body(prompt: Prompt, *, memo: GroupMemo | None = None) -> bytes:
    body: dict[str, Any] = {
        "model": prompt.model,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if prompt.tools:
        body["tools"] = [tool_json(t) for t in prompt.tools]
        body["tool_choice"] = "auto"
        body["parallel_tool_calls"] = prompt.parallel_tool_calls
    if prompt.effort is not None:
        body["reasoning_effort"] = prompt.effort
    if prompt.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": OUTPUT_SCHEMA_NAME,
                "strict": True,
                "schema": prompt.output_schema,
            },
        }
    if prompt.max_output_tokens is not None:
        body["max_tokens"] = prompt.max_output_tokens
    body["messages"] = messages_json(prompt, memo)
    return encode(body)


def _text_of(value: Any) -> str:
    """A delta field that is a string, a ``{text|content}`` object or a list of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("text", value.get("content"))
        return inner if isinstance(inner, str) else ""
    if isinstance(value, list):
        return "".join(_text_of(v) for v in value)
    return ""


def usage_from(raw: Any) -> TokenUsage | None:
    """The chunk's usage, or None when absent or all zeros (some proxies send zeros
    when the server reported nothing)."""
    u = as_dict(raw)
    if not u or not any(as_int(u.get(k)) for k in ("prompt_tokens", "completion_tokens")):
        return None
    inp = as_int(u.get("prompt_tokens"))
    out = as_int(u.get("completion_tokens"))
    cached = as_int(as_dict(u.get("prompt_tokens_details")).get("cached_tokens"))
    cached = cached or as_int(u.get("prompt_cache_hit_tokens"))
    return TokenUsage(
        input_tokens=inp,
        cached_input_tokens=cached,
        output_tokens=out,
        reasoning_output_tokens=as_int(
            as_dict(u.get("completion_tokens_details")).get("reasoning_tokens")
        ),
        total_tokens=as_int(u.get("total_tokens")) or inp + out,
    )


class _Call:
    __slots__ = ("call_id", "name", "parts")

    def __init__(self) -> None:
        self.call_id = ""
        self.name = ""
        self.parts: list[str] = []  # argument fragments, joined once at the end (linear)


class ChatParser:
    def __init__(self, prompt: Prompt, provider: ProviderInfo) -> None:
        self._provider = provider
        self._freeform = freeform_names(prompt)
        self._response_id = ""
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._text_started = False
        self._reasoning_started = False
        self._calls: dict[int, _Call] = {}
        self._finished = False  # finish_reason seen, items emitted
        self._usage: TokenUsage | None = None
        self._stop: StopReason | None = None
        self._done = False
        self._progress = 0

    @property
    def done(self) -> bool:
        return self._done

    @property
    def progress(self) -> int:
        return self._progress

    def _ids(self) -> tuple[str, str]:
        base = self._response_id or "chat"
        return f"{base}-msg", f"{base}-rs"

    def feed(self, sse: SseEvent) -> list[StreamEvent]:
        data = sse.data.strip()
        if data in ("[DONE]", "DONE"):
            self._progress += 1
            return self._complete()
        chunk = decode_data(data)
        if not isinstance(chunk, dict):
            return []
        if chunk.get("error") is not None:
            code, msg = error_detail(chunk)
            raise classify_stream_error(code, msg, self._provider)
        if not self._response_id and isinstance(chunk.get("id"), str):
            self._response_id = chunk["id"]
        usage = usage_from(chunk.get("usage"))
        if usage is not None:
            self._usage = usage
        events: list[StreamEvent] = []
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return events
        choice = as_dict(choices[0])
        delta = as_dict(choice.get("delta"))
        if choice.get("finish_reason") or any(delta.get(k) for k in _PROGRESS_KEYS):
            self._progress += 1
        msg_id, rs_id = self._ids()
        reasoning = _text_of(delta.get("reasoning_content")) or _text_of(delta.get("reasoning"))
        if reasoning:
            if not self._reasoning_started:
                self._reasoning_started = True
                events.append(ItemStarted(item_id=rs_id, kind="reasoning"))
            self._reasoning.append(reasoning)
            events.append(ReasoningDelta(item_id=rs_id, delta=reasoning))
        text = _text_of(delta.get("content"))
        if text:
            if not self._text_started:
                self._text_started = True
                events.append(ItemStarted(item_id=msg_id, kind="message"))
            self._text.append(text)
            events.append(TextDelta(item_id=msg_id, delta=text))
        for raw in delta.get("tool_calls") or []:
            tc = as_dict(raw)
            raw_id = tc.get("id")
            call_id = raw_id if isinstance(raw_id, str) else ""
            index = tc.get("index")
            if not isinstance(index, int):
                index = self._index_without_position(call_id)
            call = self._calls.setdefault(index, _Call())
            if call_id:
                call.call_id = call_id
            fn = as_dict(tc.get("function"))
            if isinstance(fn.get("name"), str) and fn["name"]:
                call.name = fn["name"]
            if isinstance(fn.get("arguments"), str):
                call.parts.append(fn["arguments"])
        finish = choice.get("finish_reason")
        if isinstance(finish, str) and finish:
            self._stop = _STOP_REASONS.get(finish, "other")
            events.extend(self._emit_items())
        return events

    def _index_without_position(self, call_id: str) -> int:
        """Servers that omit ``index``: merge by ``id``; a fragment without an id
        continues the latest call."""
        for index, call in self._calls.items():
            if call_id and call.call_id == call_id:
                return index
        if not call_id and self._calls:
            return max(self._calls)
        return max(self._calls, default=-1) + 1

    def _emit_items(self) -> list[StreamEvent]:
        if self._finished:
            return []
        self._finished = True
        msg_id, rs_id = self._ids()
        out: list[StreamEvent] = []
        if self._reasoning:
            reasoning = "".join(self._reasoning)
            out.append(ItemDone(item_id=rs_id, item=Reasoning(content=[reasoning])))
        if self._text:
            msg = Message(role="assistant", content=[TextPart(text="".join(self._text))])
            out.append(ItemDone(item_id=msg_id, item=msg))
        for index in sorted(self._calls):
            call = self._calls[index]
            call_id = call.call_id or f"call_{self._response_id or 'chat'}_{index}"
            item = tool_call_item(
                call_id=call_id,
                name=call.name,
                arguments="".join(call.parts),
                item_id=None,
                freeform=self._freeform,
            )
            out.append(ItemDone(item_id=call_id, item=item))
        return out

    def _complete(self) -> list[StreamEvent]:
        out = self._emit_items()
        self._done = True
        out.append(
            Completed(response_id=self._response_id, usage=self._usage, stop_reason=self._stop)
        )
        return out

    def finish(self) -> list[StreamEvent]:
        if self._done:
            return []
        if self._finished:  # finish_reason arrived; some servers omit [DONE]
            return self._complete()
        raise ModelError(
            "stream_cut",
            f"stream from {self._provider.name} closed before finish_reason or [DONE]",
        )


class ChatWire:
    path = "chat/completions"

    def headers(self, *, api_key: str | None, session_id: str) -> dict[str, str]:
        h = {"content-type": "application/json", "accept": "text/event-stream"}
        if api_key:
            h["authorization"] = f"Bearer {api_key}"
        h["session_id"] = session_id
        return h

    def __init__(self) -> None:
        # Messages built for earlier requests of this client's session (never shared
        # between sessions: it dies with the client).
        self._memo = GroupMemo()

    def build_body(self, prompt: Prompt) -> bytes:
        return build_body(prompt, memo=self._memo)

    def parser(self, prompt: Prompt, provider: ProviderInfo) -> ChatParser:
        return ChatParser(prompt, provider)
