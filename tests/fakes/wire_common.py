"""Helpers shared by the wire-format builders of the fake model server."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from typing import Any

from tests.fakes.script import Call, Custom, Reasoning, Text, Turn, Usage

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event. ``data`` is a JSON-able dict or a raw string."""

    data: dict[str, Any] | str
    event: str | None = None

    def encode(self) -> bytes:
        payload = self.data if isinstance(self.data, str) else json.dumps(self.data)
        head = f"event: {self.event}\n" if self.event is not None else ""
        return f"{head}data: {payload}\n\n".encode()


@dataclass(frozen=True)
class WireReply:
    """What a wire builder produces for one turn: the SSE events for a streaming
    request and the equivalent JSON body for a non-streaming one."""

    events: list[SseEvent]
    body: dict[str, Any]


def hex_id(prefix: str, n: int = 24) -> str:
    return prefix + secrets.token_hex(n)


def alnum_id(prefix: str, n: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n))


def split_chunks(text: str, n: int) -> list[str]:
    """Split ``text`` into at most ``n`` non-empty pieces that concatenate to it."""
    if not text:
        return []
    n = max(1, min(n, len(text)))
    size, extra = divmod(len(text), n)
    out: list[str] = []
    pos = 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(text[pos : pos + step])
        pos += step
    return out


def custom_arguments(step: Custom) -> str:
    """Chat / Anthropic rendering of a freeform call: ``{"input": ...}``."""
    return json.dumps({"input": step.input})


def call_arguments(step: Call | Custom) -> str:
    return step.arguments_json() if isinstance(step, Call) else custom_arguments(step)


def resolve_usage(turn: Turn, request_body: bytes) -> Usage:
    """The scripted usage, or plausible numbers (about four characters a token)."""
    if turn.usage is not None:
        return turn.usage
    out_chars = 0
    reasoning_chars = 0
    for step in turn.steps:
        if isinstance(step, Text):
            out_chars += len(step.text)
        elif isinstance(step, Reasoning):
            reasoning_chars += len(step.summary)
        elif isinstance(step, Call):
            out_chars += len(step.name) + len(step.arguments_json())
        elif isinstance(step, Custom):
            out_chars += len(step.name) + len(step.input)
    reasoning = (reasoning_chars + 3) // 4
    return Usage(
        input_tokens=max(1, len(request_body) // 4),
        cached_input_tokens=0,
        output_tokens=max(1, (out_chars + 3) // 4 + reasoning),
        reasoning_tokens=reasoning,
    )


def request_model(request_json: Any, default: str) -> str:
    if isinstance(request_json, dict) and isinstance(request_json.get("model"), str):
        return str(request_json["model"])
    return default
