"""Anthropic Messages wire format (streaming and not)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from tests.fakes.script import Call, Custom, Reasoning, Text, Turn, Usage
from tests.fakes.wire_common import (
    SseEvent,
    WireReply,
    alnum_id,
    call_arguments,
    request_model,
    resolve_usage,
    split_chunks,
)


def _start_usage(u: Usage) -> dict[str, Any]:
    # Anthropic's input_tokens excludes tokens read from the cache.
    return {
        "input_tokens": max(0, u.input_tokens - u.cached_input_tokens),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": u.cached_input_tokens,
        "output_tokens": 1,
    }


def _final_usage(u: Usage) -> dict[str, Any]:
    out = {**_start_usage(u), "output_tokens": u.output_tokens}
    if u.reasoning_tokens:
        out["output_tokens_details"] = {"thinking_tokens": u.reasoning_tokens}
    return out


def _signature(step: Reasoning) -> str:
    if step.encrypted is not None:
        return step.encrypted
    return base64.b64encode(secrets.token_bytes(48)).decode()


def anthropic_reply(turn: Turn, request_json: Any, request_body: bytes) -> WireReply:
    req: dict[str, Any] = request_json if isinstance(request_json, dict) else {}
    usage = resolve_usage(turn, request_body)
    message: dict[str, Any] = {
        "id": alnum_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": request_model(req, "claude-fake"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _start_usage(usage),
    }
    if not turn.usage_reported:  # the SDK requires the field: zeros, as proxies send
        message["usage"] = {"input_tokens": 0, "output_tokens": 0}
    events: list[SseEvent] = []

    def emit(type_: str, **fields: Any) -> None:
        events.append(SseEvent({"type": type_, **fields}, event=type_))

    emit("message_start", message=json.loads(json.dumps(message)))
    emit("ping")
    blocks: list[dict[str, Any]] = []
    has_tool = False
    for index, step in enumerate(turn.steps):
        if isinstance(step, Reasoning):
            sig = _signature(step)
            emit(
                "content_block_start",
                index=index,
                content_block={"type": "thinking", "thinking": "", "signature": ""},
            )
            for piece in split_chunks(step.summary, step.chunks):
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "thinking_delta", "thinking": piece},
                )
            emit(
                "content_block_delta",
                index=index,
                delta={"type": "signature_delta", "signature": sig},
            )
            blocks.append({"type": "thinking", "thinking": step.summary, "signature": sig})
        elif isinstance(step, Text):
            emit(
                "content_block_start",
                index=index,
                content_block={"type": "text", "text": ""},
            )
            for piece in split_chunks(step.text, step.chunks):
                emit(
                    "content_block_delta", index=index, delta={"type": "text_delta", "text": piece}
                )
            blocks.append({"type": "text", "text": step.text})
        else:
            assert isinstance(step, Call | Custom)
            has_tool = True
            tool_id = step.call_id or alnum_id("toolu_01")
            args = call_arguments(step)
            emit(
                "content_block_start",
                index=index,
                content_block={"type": "tool_use", "id": tool_id, "name": step.name, "input": {}},
            )
            for piece in split_chunks(args, step.chunks):
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": piece},
                )
            try:
                parsed: Any = json.loads(args) if args else {}
            except json.JSONDecodeError:
                parsed = args  # deliberately invalid JSON: the body carries the raw text
            blocks.append({"type": "tool_use", "id": tool_id, "name": step.name, "input": parsed})
        emit("content_block_stop", index=index)
    stop_reason = "tool_use" if has_tool else "end_turn"
    if turn.stop == "length":
        stop_reason = "max_tokens"
    final: dict[str, Any] = {"delta": {"stop_reason": stop_reason, "stop_sequence": None}}
    final["usage"] = _final_usage(usage) if turn.usage_reported else {"output_tokens": 0}
    emit("message_delta", **final)
    emit("message_stop")
    body = {
        **message,
        "content": blocks,
        "stop_reason": stop_reason,
        "usage": _final_usage(usage),
    }
    return WireReply(events, body)


_ANTHROPIC_ERRORS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def anthropic_error(status: int, message: str, *, error_type: str | None = None) -> dict[str, Any]:
    default = _ANTHROPIC_ERRORS.get(
        status, "api_error" if status >= 500 else "invalid_request_error"
    )
    return {
        "type": "error",
        "error": {"type": error_type or default, "message": message},
        "request_id": alnum_id("req_011"),
    }
