"""What every wire provides, and small helpers shared by the three wires."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec

from burro.config.types import ProviderInfo
from burro.protocol.items import CustomToolCall, FunctionCall
from burro.protocol.model import Prompt, StreamEvent
from burro.util.sse import SseEvent

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class StreamParser(Protocol):
    """Turns SSE events into StreamEvents; ``done`` once the completion event arrived.

    ``progress`` counts the events that moved the response forward (content, reasoning
    and tool-argument deltas, item and completion events); keep-alives such as
    Anthropic ``ping`` or Responses ``response.in_progress`` leave it unchanged, so
    they do not reset the idle timer."""

    @property
    def done(self) -> bool: ...

    @property
    def progress(self) -> int: ...

    def feed(self, sse: SseEvent) -> list[StreamEvent]: ...

    def finish(self) -> list[StreamEvent]:
        """End of stream: flush, or raise ModelError(stream_cut) if it was cut short."""
        ...


class Wire(Protocol):
    path: str

    def headers(self, *, api_key: str | None, session_id: str) -> dict[str, str]: ...

    def build_body(self, prompt: Prompt) -> bytes: ...

    def parser(self, prompt: Prompt, provider: ProviderInfo) -> StreamParser: ...


def encode(obj: Any) -> bytes:
    """Compact JSON; dict keys keep insertion order, so equal inputs give equal bytes."""
    return _encoder.encode(obj)


def decode_data(data: str) -> Any | None:
    """The JSON of an SSE data field, or None when it is not JSON (the line is skipped)."""
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError:
        return None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def freeform_names(prompt: Prompt) -> frozenset[str]:
    return frozenset(t.name for t in prompt.tools if t.kind == "freeform")


FREEFORM_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "The raw tool input."}},
    "required": ["input"],
    "additionalProperties": False,
}


def freeform_description(description: str, grammar: str | None) -> str:
    """Description of a freeform tool offered as a JSON function with one ``input``."""
    text = description + "\n\nPass the raw input as the string parameter `input`."
    if grammar:
        text += " It must match this Lark grammar:\n" + grammar
    return text


def tool_call_item(
    *, call_id: str, name: str, arguments: str, item_id: str | None, freeform: frozenset[str]
) -> FunctionCall | CustomToolCall:
    """A call of a freeform tool sent as ``{"input": ...}`` becomes a CustomToolCall."""
    if name in freeform:
        parsed = decode_data(arguments)
        if isinstance(parsed, dict) and isinstance(parsed.get("input"), str):
            return CustomToolCall(call_id=call_id, name=name, input=parsed["input"], id=item_id)
    return FunctionCall(call_id=call_id, name=name, arguments=arguments, id=item_id)


def custom_call_arguments(call: CustomToolCall) -> str:
    return encode({"input": call.input}).decode()


class EncodedItems:
    """The encoded JSON of each history item, reused across requests.

    History is append-only and items are never mutated, so an item object seen in the
    previous request encodes to the same bytes: only new items are converted. This
    keeps the per-step cost flat as a session grows."""

    def __init__(self) -> None:
        self._prev: dict[int, tuple[object, bytes]] = {}

    def encode_all(self, items: Sequence[Any], to_json: Callable[[Any], Any]) -> list[bytes]:
        cur: dict[int, tuple[object, bytes]] = {}
        out: list[bytes] = []
        for item in items:
            key = id(item)
            hit = self._prev.get(key)
            if hit is None or hit[0] is not item:
                hit = (item, encode(to_json(item)))
            cur[key] = hit
            out.append(hit[1])
        self._prev = cur
        return out


def splice_list(head: dict[str, Any], key: str, parts: list[bytes]) -> bytes:
    """Bytes equal to ``encode({**head, key: [parts...]})`` with ``key`` last."""
    encoded = encode(head)
    sep = b"," if len(encoded) > 2 else b""
    return encoded[:-1] + sep + b'"' + key.encode() + b'":[' + b",".join(parts) + b"]}"


class GroupMemo:
    """The converted JSON of a group of history items, keyed by the identity of the
    items (which are never mutated once in history). Chat and Anthropic turn runs of
    items into one message; a message already built for an earlier request is reused,
    so a long session does not rebuild its whole history on every step. Bounded (LRU);
    callers must not mutate what it returns."""

    def __init__(self, size: int = 50_000) -> None:
        from collections import OrderedDict

        self._size = size
        self._map: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], Any]] = OrderedDict()

    def get(self, items: Sequence[object], build: Callable[..., Any], *args: Any) -> Any:
        """``build(*args)``, or its value from an earlier call with the same items."""
        group = tuple(items)
        key = tuple(map(id, group))
        hit = self._map.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], group, strict=True)):
            self._map.move_to_end(key)
            return hit[1]
        value = build(*args)
        self._map[key] = (group, value)
        if len(self._map) > self._size:
            if self._size == 0:
                self._map.clear()
                return value
            self._map.popitem(last=False)
        return value
