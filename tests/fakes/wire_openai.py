"""OpenAI wire formats: the Responses API and Chat Completions (streaming and not)."""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.fakes.script import Call, Custom, Reasoning, Text, Turn, Usage
from tests.fakes.wire_common import (
    SseEvent,
    WireReply,
    alnum_id,
    call_arguments,
    hex_id,
    request_model,
    resolve_usage,
    split_chunks,
)

# ---------------------------------------------------------------- Responses


def responses_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.input_tokens + u.output_tokens,
    }


class _ResponsesBuilder:
    def __init__(self, turn: Turn, request_json: Any, request_body: bytes) -> None:
        self.turn = turn
        self.req: dict[str, Any] = request_json if isinstance(request_json, dict) else {}
        self.usage = resolve_usage(turn, request_body)
        self.cut = turn.stop == "length"  # the output limit cuts the last message
        self.events: list[SseEvent] = []
        self.seq = 0
        self.output: list[dict[str, Any]] = []

    def emit(self, type_: str, **fields: Any) -> None:
        data = {"type": type_, "sequence_number": self.seq, **fields}
        self.seq += 1
        self.events.append(SseEvent(data, event=type_))

    def response_obj(self, status: str) -> dict[str, Any]:
        req = self.req
        tools = req.get("tools")
        return {
            "id": self.resp_id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": (
                {"reason": "max_output_tokens"} if status == "incomplete" else None
            ),
            "instructions": req.get("instructions"),
            "max_output_tokens": req.get("max_output_tokens"),
            "model": request_model(req, "fake-model"),
            "output": copy.deepcopy(self.output) if status != "in_progress" else [],
            "parallel_tool_calls": bool(req.get("parallel_tool_calls", True)),
            "previous_response_id": req.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None, **(req.get("reasoning") or {})},
            "store": bool(req.get("store", True)),
            "temperature": req.get("temperature", 1.0),
            "text": {"format": {"type": "text"}},
            "tool_choice": req.get("tool_choice", "auto"),
            "tools": tools if isinstance(tools, list) else [],
            "top_p": req.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": (
                responses_usage(self.usage)
                if status in ("completed", "incomplete") and self.turn.usage_reported
                else None
            ),
            "user": None,
            "metadata": {},
        }

    def build(self) -> WireReply:
        self.resp_id = hex_id("resp_")
        self.created = int(time.time())
        self.emit("response.created", response=self.response_obj("in_progress"))
        self.emit("response.in_progress", response=self.response_obj("in_progress"))
        for index, step in enumerate(self.turn.steps):
            if isinstance(step, Text):
                self.message(index, step)
            elif isinstance(step, Reasoning):
                self.reasoning(index, step)
            elif isinstance(step, Call):
                self.function_call(index, step)
            else:
                self.custom_call(index, step)
        if self.cut:
            final = self.response_obj("incomplete")
            self.emit("response.incomplete", response=final)
        else:
            final = self.response_obj("completed")
            self.emit("response.completed", response=final)
        return WireReply(self.events, final)

    def message(self, index: int, step: Text) -> None:
        item_id = hex_id("msg_")
        item: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        self.emit("response.output_item.added", output_index=index, item=copy.deepcopy(item))
        at = {"item_id": item_id, "output_index": index, "content_index": 0}
        empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        self.emit("response.content_part.added", **at, part=empty)
        for piece in split_chunks(step.text, step.chunks):
            self.emit("response.output_text.delta", **at, delta=piece, logprobs=[])
        if self.cut and index == len(self.turn.steps) - 1:
            return  # cut by the output limit: the item never completes
        self.emit("response.output_text.done", **at, text=step.text, logprobs=[])
        part = {"type": "output_text", "text": step.text, "annotations": [], "logprobs": []}
        self.emit("response.content_part.done", **at, part=part)
        item.update(status="completed", content=[part])
        self.finish_item(index, item)

    def reasoning(self, index: int, step: Reasoning) -> None:
        item_id = hex_id("rs_")
        item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": []}
        if step.encrypted is not None:
            item["encrypted_content"] = step.encrypted
        self.emit("response.output_item.added", output_index=index, item=copy.deepcopy(item))
        if step.summary:
            at = {"item_id": item_id, "output_index": index, "summary_index": 0}
            self.emit(
                "response.reasoning_summary_part.added",
                **at,
                part={"type": "summary_text", "text": ""},
            )
            for piece in split_chunks(step.summary, step.chunks):
                self.emit("response.reasoning_summary_text.delta", **at, delta=piece)
            self.emit("response.reasoning_summary_text.done", **at, text=step.summary)
            part = {"type": "summary_text", "text": step.summary}
            self.emit("response.reasoning_summary_part.done", **at, part=part)
            item["summary"] = [part]
        self.finish_item(index, item)

    def function_call(self, index: int, step: Call) -> None:
        item_id = hex_id("fc_")
        args = step.arguments_json()
        item: dict[str, Any] = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": step.call_id or alnum_id("call_"),
            "name": step.name,
        }
        self.emit("response.output_item.added", output_index=index, item=copy.deepcopy(item))
        at = {"item_id": item_id, "output_index": index}
        for piece in split_chunks(args, step.chunks):
            self.emit("response.function_call_arguments.delta", **at, delta=piece)
        self.emit("response.function_call_arguments.done", **at, name=step.name, arguments=args)
        item.update(status="completed", arguments=args)
        self.finish_item(index, item)

    def custom_call(self, index: int, step: Custom) -> None:
        item_id = hex_id("ctc_")
        item: dict[str, Any] = {
            "id": item_id,
            "type": "custom_tool_call",
            "status": "in_progress",
            "call_id": step.call_id or alnum_id("call_"),
            "name": step.name,
            "input": "",
        }
        self.emit("response.output_item.added", output_index=index, item=copy.deepcopy(item))
        at = {"item_id": item_id, "output_index": index}
        for piece in split_chunks(step.input, step.chunks):
            self.emit("response.custom_tool_call_input.delta", **at, delta=piece)
        self.emit("response.custom_tool_call_input.done", **at, input=step.input)
        item.update(status="completed", input=step.input)
        self.finish_item(index, item)

    def finish_item(self, index: int, item: dict[str, Any]) -> None:
        self.emit("response.output_item.done", output_index=index, item=copy.deepcopy(item))
        self.output.append(item)


def responses_reply(turn: Turn, request_json: Any, request_body: bytes) -> WireReply:
    return _ResponsesBuilder(turn, request_json, request_body).build()


# ---------------------------------------------------------------- Chat Completions


def chat_usage(u: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def chat_reply(
    turn: Turn, request_json: Any, request_body: bytes, *, usage_always: bool = False
) -> WireReply:
    req: dict[str, Any] = request_json if isinstance(request_json, dict) else {}
    usage = resolve_usage(turn, request_body)
    opts = req.get("stream_options")
    with_usage = usage_always or (isinstance(opts, dict) and bool(opts.get("include_usage")))
    with_usage = with_usage and turn.usage_reported
    base: dict[str, Any] = {
        "id": alnum_id("chatcmpl-", 29),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request_model(req, "fake-model"),
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
    }
    events: list[SseEvent] = []

    def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
        data = {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if with_usage:
            data["usage"] = None
        events.append(SseEvent(data))

    chunk({"role": "assistant", "content": "", "refusal": None})
    content = ""
    reasoning = ""
    tool_calls: list[dict[str, Any]] = []
    for step in turn.steps:
        if isinstance(step, Text):
            content += step.text
            for piece in split_chunks(step.text, step.chunks):
                chunk({"content": piece})
        elif isinstance(step, Reasoning):
            reasoning += step.summary
            for piece in split_chunks(step.summary, step.chunks):
                chunk({"reasoning_content": piece})
        else:
            index = len(tool_calls)
            call_id = step.call_id or alnum_id("call_")
            args = call_arguments(step)
            tool_calls.append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": step.name, "arguments": args},
                }
            )
            head = {"name": step.name, "arguments": ""}
            chunk(
                {
                    "tool_calls": [
                        {"index": index, "id": call_id, "type": "function", "function": head}
                    ]
                }
            )
            for piece in split_chunks(args, step.chunks):
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    finish = "tool_calls" if tool_calls else "stop"
    if turn.stop == "length":
        finish = "length"
    chunk({}, finish)
    if with_usage:
        events.append(SseEvent({**base, "choices": [], "usage": chat_usage(usage)}))
    events.append(SseEvent("[DONE]"))

    message: dict[str, Any] = {
        "role": "assistant",
        "content": content if content or not tool_calls else None,
        "refusal": None,
    }
    if reasoning:
        message["reasoning_content"] = reasoning
    if tool_calls:
        message["tool_calls"] = tool_calls
    body = {
        **base,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": chat_usage(usage),
    }
    return WireReply(events, body)


# ---------------------------------------------------------------- errors

_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def openai_error(
    status: int, message: str, *, code: str | None = None, error_type: str | None = None
) -> dict[str, Any]:
    default_type, default_code = _OPENAI_ERRORS.get(
        status, ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    )
    return {
        "error": {
            "message": message,
            "type": error_type or default_type,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }
