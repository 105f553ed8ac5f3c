"""Scripted turns for the fake model server.

A :class:`Script` is a list of :class:`Turn`; every POST to the fake server consumes
the next turn. A turn is a list of steps (assistant text, reasoning, tool calls) plus
optional usage, an optional fault, and pacing. Everything round-trips through JSON so
a script can be written to a file and served by the CLI
(``python -m tests.fakes.model_server --script FILE.json``).

JSON shape::

    {"turns": [{"steps": [{"type": "text", "text": "hi", "chunks": 3}, ...],
                "usage": {"input_tokens": 10, ...} | null,
                "fault": {"type": "http_error", "status": 429, ...} | null,
                "delay_s": 0.0, "event_gap_s": 0.0}]}
"""

from __future__ import annotations

import json
from dataclasses import KW_ONLY, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeAlias

# ---------------------------------------------------------------- steps


@dataclass(frozen=True)
class Text:
    """An assistant message, streamed in ``chunks`` deltas."""

    text: str
    _: KW_ONLY
    chunks: int = 3


@dataclass(frozen=True)
class Reasoning:
    """A reasoning item (Responses), ``reasoning_content`` (Chat) or thinking block
    (Anthropic). ``encrypted`` becomes ``encrypted_content`` / the thinking signature."""

    summary: str
    _: KW_ONLY
    encrypted: str | None = None
    chunks: int = 3


@dataclass(frozen=True)
class Call:
    """A function/tool call. A ``str`` for ``arguments`` is sent verbatim (it may be
    invalid JSON on purpose); a dict is serialised with ``json.dumps``."""

    name: str
    arguments: dict[str, Any] | str
    _: KW_ONLY
    call_id: str | None = None
    chunks: int = 3

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Custom:
    """A freeform tool call (Responses ``custom_tool_call``). On Chat and Anthropic it
    is sent as a function call whose arguments are ``{"input": input}``."""

    name: str
    input: str
    _: KW_ONLY
    call_id: str | None = None
    chunks: int = 3


Step: TypeAlias = Text | Reasoning | Call | Custom


def text_call(
    name: str, arguments: dict[str, Any] | str, *, form: str = "json", prose: str = ""
) -> Text:
    """A tool call written as text, as small local models do without native tool calls:
    a fenced ```json block (``form="json"``) or ``<tool_call>`` tags (``form="tags"``).
    A ``str`` for ``arguments`` is sent verbatim inside the call object."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    body = f'{{"name": {json.dumps(name)}, "arguments": {args}}}'
    block = f"```json\n{body}\n```" if form == "json" else f"<tool_call>\n{body}\n</tool_call>"
    return Text(f"{prose}\n\n{block}" if prose else block, chunks=4)


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0


# ---------------------------------------------------------------- faults


@dataclass(frozen=True)
class HttpError:
    """Answer with this HTTP status and a provider-shaped JSON error body."""

    status: int
    _: KW_ONLY
    retry_after: float | None = None
    message: str = "fake model server error"
    code: str | None = None  # overrides the provider's default error code
    error_type: str | None = None  # overrides the provider's default error type
    # A whole response body to send instead (e.g. a real server's recorded error).
    body: Any = None


@dataclass(frozen=True)
class ResetAfter:
    """Stream ``events`` SSE events, then close the connection abruptly (no completion)."""

    events: int


@dataclass(frozen=True)
class MalformedLine:
    """Insert ``data: {not json`` after ``after`` events, then continue to completion."""

    after: int


@dataclass(frozen=True)
class Hang:
    """Stream ``after`` events, go silent for ``seconds``, then close abruptly."""

    after: int
    seconds: float


@dataclass(frozen=True)
class EmptyClose:
    """Answer 200 with an event-stream head and end the body at once (no data at all),
    or, with ``head=False``, close the connection without sending any response."""

    _: KW_ONLY
    head: bool = True


@dataclass(frozen=True)
class PingForever:
    """Stream ``after`` events, then only keep-alives (Anthropic ``ping``, Responses
    ``response.in_progress``, an SSE comment on Chat) every ``interval_s`` until the
    client goes away or the server stops."""

    after: int
    _: KW_ONLY
    interval_s: float = 0.05


@dataclass(frozen=True)
class RawEvent:
    """Insert ``data: <data>`` (well-formed SSE, any JSON shape) after ``after`` events,
    then continue to completion."""

    after: int
    data: str


@dataclass(frozen=True)
class Recorded:
    """Answer with a real server's recorded response, byte for byte (see
    tests/data/servers/): ``status``, ``content_type`` and the raw ``body``."""

    status: int
    content_type: str
    body: str


Fault: TypeAlias = (
    HttpError | ResetAfter | MalformedLine | Hang | RawEvent | EmptyClose | PingForever | Recorded
)


@dataclass
class Turn:
    steps: list[Step] = field(default_factory=list)
    _: KW_ONLY
    usage: Usage | None = None
    fault: Fault | None = None
    delay_s: float = 0.0
    event_gap_s: float = 0.0
    end_delay_s: float = 0.0  # after the last event, before the body ends (a slow close)
    # "length": the output limit cut the answer (Chat finish_reason "length", Anthropic
    # stop_reason "max_tokens", Responses incomplete/max_output_tokens).
    stop: str | None = None
    # False: the server reports no usage at all (llama.cpp-style streams, some proxies).
    usage_reported: bool = True


# ---------------------------------------------------------------- JSON

_STEP_TAGS: dict[str, type[Any]] = {
    "text": Text,
    "reasoning": Reasoning,
    "call": Call,
    "custom": Custom,
}
_FAULT_TAGS: dict[str, type[Any]] = {
    "http_error": HttpError,
    "reset_after": ResetAfter,
    "malformed_line": MalformedLine,
    "hang": Hang,
    "raw_event": RawEvent,
    "empty_close": EmptyClose,
    "ping_forever": PingForever,
    "recorded": Recorded,
}


def _tagged(obj: Any, tags: dict[str, type[Any]]) -> dict[str, Any]:
    for tag, cls in tags.items():
        if type(obj) is cls:
            return {"type": tag, **asdict(obj)}
    raise TypeError(f"not a script element: {obj!r}")


def _untag(data: dict[str, Any], tags: dict[str, type[Any]]) -> Any:
    data = dict(data)
    tag = data.pop("type", None)
    cls = tags.get(str(tag))
    if cls is None:
        raise ValueError(f"unknown element type {tag!r}; expected one of {sorted(tags)}")
    allowed = {f.name for f in fields(cls)}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{tag}: unknown fields {sorted(unknown)}")
    return cls(**data)


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    return {
        "steps": [_tagged(s, _STEP_TAGS) for s in turn.steps],
        "usage": asdict(turn.usage) if turn.usage is not None else None,
        "fault": _tagged(turn.fault, _FAULT_TAGS) if turn.fault is not None else None,
        "delay_s": turn.delay_s,
        "event_gap_s": turn.event_gap_s,
        "stop": turn.stop,
        "usage_reported": turn.usage_reported,
    }


def turn_from_dict(data: dict[str, Any]) -> Turn:
    usage = data.get("usage")
    fault = data.get("fault")
    return Turn(
        [_untag(s, _STEP_TAGS) for s in data.get("steps", [])],
        usage=Usage(**usage) if usage is not None else None,
        fault=_untag(fault, _FAULT_TAGS) if fault is not None else None,
        delay_s=float(data.get("delay_s", 0.0)),
        event_gap_s=float(data.get("event_gap_s", 0.0)),
        stop=data.get("stop"),
        usage_reported=bool(data.get("usage_reported", True)),
    )


@dataclass
class Script:
    turns: list[Turn] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"turns": [turn_to_dict(t) for t in self.turns]}, indent=2)

    @classmethod
    def from_json(cls, data: str | bytes) -> Script:
        raw = json.loads(data)
        if isinstance(raw, list):  # a bare list of turns is accepted too
            raw = {"turns": raw}
        return cls([turn_from_dict(t) for t in raw.get("turns", [])])

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Script:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


__all__ = [
    "Call",
    "Custom",
    "EmptyClose",
    "Fault",
    "Hang",
    "HttpError",
    "MalformedLine",
    "PingForever",
    "Reasoning",
    "Recorded",
    "ResetAfter",
    "Script",
    "Step",
    "Text",
    "Turn",
    "Usage",
    "text_call",
]
