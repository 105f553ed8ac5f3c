"""OpenAI Responses API wire: ``POST {base_url}/responses`` with ``stream: true``."""

from __future__ import annotations

from typing import Any, Literal

from burro.config.types import ProviderInfo
from burro.models._wire import EncodedItems, as_dict, as_int, decode_data, encode, splice_list
from burro.models.errors import ModelError, classify_stream_error
from burro.protocol.common import TokenUsage
from burro.protocol.items import (
    CustomToolCall,
    FunctionCall,
    FunctionCallOutput,
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


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    if tool.kind == "freeform":
        return {
            "type": "custom",
            "name": tool.name,
            "description": tool.description,
            "format": {"type": "grammar", "syntax": "lark", "definition": tool.grammar or ""},
        }
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "strict": False,
        "parameters": tool.parameters or {"type": "object", "properties": {}},
    }


def _message_json(msg: Message) -> dict[str, Any]:
    text_type = "output_text" if msg.role == "assistant" else "input_text"
    parts: list[dict[str, Any]] = []
    for part in msg.content:
        if isinstance(part, TextPart):
            parts.append({"type": text_type, "text": part.text})
        else:
            parts.append({"type": "input_image", "image_url": part.image_url})
    return {"type": "message", "role": msg.role, "content": parts}


def item_json(item: Item) -> dict[str, Any]:
    """One history item as a Responses input item (ids are not sent: store is false)."""
    if isinstance(item, Message):
        return _message_json(item)
    if isinstance(item, Reasoning):
        out: dict[str, Any] = {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": s} for s in item.summary],
        }
        if item.content:
            out["content"] = [{"type": "reasoning_text", "text": c} for c in item.content]
        if item.encrypted_content is not None:
            out["encrypted_content"] = item.encrypted_content
        return out
    if isinstance(item, FunctionCall):
        return {
            "type": "function_call",
            "call_id": item.call_id,
            "name": item.name,
            "arguments": item.arguments,
        }
    if isinstance(item, CustomToolCall):
        return {
            "type": "custom_tool_call",
            "call_id": item.call_id,
            "name": item.name,
            "input": item.input,
        }
    if isinstance(item, FunctionCallOutput):
        output: str | list[dict[str, Any]] = item.output
        if item.images:
            output = [{"type": "input_text", "text": item.output}] if item.output else []
            output += [{"type": "input_image", "image_url": i.image_url} for i in item.images]
        return {"type": "function_call_output", "call_id": item.call_id, "output": output}
    return {"type": "custom_tool_call_output", "call_id": item.call_id, "output": item.output}


def build_body(prompt: Prompt, *, cache: EncodedItems | None = None) -> bytes:
    body: dict[str, Any] = {
        "model": prompt.model,
        "instructions": prompt.instructions,
        "tools": [tool_json(t) for t in prompt.tools],
        "tool_choice": "auto",
        "parallel_tool_calls": prompt.parallel_tool_calls,
    }
    if prompt.effort is not None:
        reasoning: dict[str, Any] = {"effort": prompt.effort}
        if prompt.summary is not None and prompt.summary != "none":
            reasoning["summary"] = prompt.summary
        body["reasoning"] = reasoning
    body["store"] = False
    body["stream"] = True
    if prompt.effort is not None:
        body["include"] = ["reasoning.encrypted_content"]
    if prompt.cache_key is not None:
        body["prompt_cache_key"] = prompt.cache_key
    if prompt.output_schema is not None:
        body["text"] = {
            "format": {
                "type": "json_schema",
                "name": OUTPUT_SCHEMA_NAME,
                "strict": True,
                "schema": prompt.output_schema,
            }
        }
    if prompt.max_output_tokens is not None:
        body["max_output_tokens"] = prompt.max_output_tokens
    if cache is not None:
        return splice_list(body, "input", cache.encode_all(prompt.items, item_json))
    body["input"] = [item_json(i) for i in prompt.items]
    return encode(body)


def usage_from(raw: Any) -> TokenUsage | None:
    """The response's usage, or None when absent or all zeros (not reported)."""
    u = as_dict(raw)
    if not u or not any(as_int(u.get(k)) for k in ("input_tokens", "output_tokens")):
        return None
    inp = as_int(u.get("input_tokens"))
    out = as_int(u.get("output_tokens"))
    return TokenUsage(
        input_tokens=inp,
        cached_input_tokens=as_int(as_dict(u.get("input_tokens_details")).get("cached_tokens")),
        output_tokens=out,
        reasoning_output_tokens=as_int(
            as_dict(u.get("output_tokens_details")).get("reasoning_tokens")
        ),
        total_tokens=as_int(u.get("total_tokens")) or inp + out,
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def item_from(raw: dict[str, Any]) -> Item | None:
    """A Responses output item as a burro item (None for kinds burro does not keep)."""
    kind = raw.get("type")
    item_id = _str(raw.get("id")) or None
    if kind == "message":
        text = ""
        for part in raw.get("content") or []:
            p = as_dict(part)
            if p.get("type") == "output_text":
                text += _str(p.get("text"))
            elif p.get("type") == "refusal":
                text += _str(p.get("refusal"))
        return Message(role="assistant", content=[TextPart(text=text)], id=item_id)
    if kind == "reasoning":
        summary = [_str(as_dict(s).get("text")) for s in raw.get("summary") or []]
        content = [_str(as_dict(c).get("text")) for c in raw.get("content") or []]
        enc = raw.get("encrypted_content")
        return Reasoning(
            summary=summary,
            content=content,
            encrypted_content=enc if isinstance(enc, str) else None,
            id=item_id,
        )
    if kind == "function_call":
        return FunctionCall(
            call_id=_str(raw.get("call_id")),
            name=_str(raw.get("name")),
            arguments=_str(raw.get("arguments")),
            id=item_id,
        )
    if kind == "custom_tool_call":
        return CustomToolCall(
            call_id=_str(raw.get("call_id")),
            name=_str(raw.get("name")),
            input=_str(raw.get("input")),
            id=item_id,
        )
    return None


_STARTED_KIND: dict[str, Literal["message", "reasoning", "tool_call"]] = {
    "message": "message",
    "reasoning": "reasoning",
    "function_call": "tool_call",
    "custom_tool_call": "tool_call",
}


_PROGRESS_PREFIXES = (
    "response.output_",
    "response.content_part",
    "response.function_call_arguments",
    "response.custom_tool_call_input",
    "response.reasoning",
    "response.refusal",
    "response.completed",
    "response.incomplete",
)


class ResponsesParser:
    """``max_output_tokens`` is the cap the request sent: llama-server reports a reply cut
    there as ``completed``, so a completed reply whose output tokens reach the cap is
    reported as stopped by the output limit too."""

    def __init__(self, provider: ProviderInfo, *, max_output_tokens: int | None = None) -> None:
        self._provider = provider
        self._cap = max_output_tokens
        self._done = False
        self._seq = 0
        self._progress = 0
        # Text of message items still streaming (kept so that an answer cut by the
        # output limit is not lost when the server never sends its item.done).
        self._open: dict[str, list[str]] = {}

    @property
    def done(self) -> bool:
        return self._done

    @property
    def progress(self) -> int:
        return self._progress

    def _fallback_id(self) -> str:
        self._seq += 1
        return f"item_{self._seq}"

    def feed(self, sse: SseEvent) -> list[StreamEvent]:
        data = decode_data(sse.data)
        if not isinstance(data, dict):
            return []
        kind = data.get("type") or sse.event
        if isinstance(kind, str) and kind.startswith(_PROGRESS_PREFIXES):
            self._progress += 1
        if kind == "response.output_text.delta":
            item_id, delta = _str(data.get("item_id")), _str(data.get("delta"))
            self._open.setdefault(item_id, []).append(delta)
            return [TextDelta(item_id=item_id, delta=delta)]
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            return [
                ReasoningDelta(item_id=_str(data.get("item_id")), delta=_str(data.get("delta")))
            ]
        if kind == "response.output_item.added":
            raw = as_dict(data.get("item"))
            started = _STARTED_KIND.get(_str(raw.get("type")))
            if started is None:
                return []
            item_id = _str(raw.get("id")) or _str(raw.get("call_id"))
            return [ItemStarted(item_id=item_id, kind=started)]
        if kind == "response.output_item.done":
            raw = as_dict(data.get("item"))
            self._open.pop(_str(raw.get("id")), None)
            item = item_from(raw)
            if item is None:
                return []
            item_id = _str(raw.get("id")) or _str(raw.get("call_id")) or self._fallback_id()
            return [ItemDone(item_id=item_id, item=item)]
        if kind == "response.completed":
            resp = as_dict(data.get("response"))
            if _str(resp.get("status")) == "incomplete":
                return self._incomplete(resp)
            self._done = True
            usage = usage_from(resp.get("usage"))
            stop: StopReason | None = None
            if self._cap is not None and usage is not None and usage.output_tokens >= self._cap:
                stop = "max_output_tokens"
            return [Completed(response_id=_str(resp.get("id")), usage=usage, stop_reason=stop)]
        if kind == "response.failed":
            err = as_dict(as_dict(data.get("response")).get("error"))
            raise classify_stream_error(
                _str(err.get("code")), _str(err.get("message")), self._provider
            )
        if kind == "response.incomplete":
            return self._incomplete(as_dict(data.get("response")))
        if kind == "error":
            raise classify_stream_error(
                _str(data.get("code")), _str(data.get("message")), self._provider
            )
        return []

    def _incomplete(self, resp: dict[str, Any]) -> list[StreamEvent]:
        reason = _str(as_dict(resp.get("incomplete_details")).get("reason")) or "unknown"
        if reason != "max_output_tokens":
            raise ModelError(
                "server_error",
                f"{self._provider.name} returned an incomplete response (reason: {reason})",
                retryable=reason != "content_filter",
            )
        # The output limit cut the answer: keep what was written, and say so.
        self._done = True
        out: list[StreamEvent] = []
        for item_id, parts in self._open.items():
            msg = Message(role="assistant", content=[TextPart(text="".join(parts))], id=item_id)
            out.append(ItemDone(item_id=item_id, item=msg))
        self._open.clear()
        usage = usage_from(resp.get("usage"))
        out.append(
            Completed(
                response_id=_str(resp.get("id")), usage=usage, stop_reason="max_output_tokens"
            )
        )
        return out

    def finish(self) -> list[StreamEvent]:
        if not self._done:
            raise ModelError(
                "stream_cut",
                f"stream from {self._provider.name} closed before response.completed",
            )
        return []


class ResponsesWire:
    path = "responses"

    def __init__(self) -> None:
        self._cache = EncodedItems()

    def headers(self, *, api_key: str | None, session_id: str) -> dict[str, str]:
        h = {"content-type": "application/json", "accept": "text/event-stream"}
        if api_key:
            h["authorization"] = f"Bearer {api_key}"
        h["session_id"] = session_id
        return h

    def build_body(self, prompt: Prompt) -> bytes:
        return build_body(prompt, cache=self._cache)

    def parser(self, prompt: Prompt, provider: ProviderInfo) -> ResponsesParser:
        return ResponsesParser(provider, max_output_tokens=prompt.max_output_tokens)
