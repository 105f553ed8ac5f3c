"""A small Server-Sent Events decoder (text/event-stream), fed one line at a time."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable

import msgspec

_NEWLINE = re.compile(rb"\r\n|\r|\n")


class SseEvent(msgspec.Struct, frozen=True):
    event: str
    data: str
    id: str = ""


class SseDecoder:
    """Turns lines (without their line ending) into events.

    Follows the event-stream rules: ``field: value`` lines accumulate, a blank line
    dispatches, ``:`` lines are comments. An event without data is not dispatched.
    """

    __slots__ = ("_data", "_event", "_id")

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id = ""

    def feed(self, line: str) -> SseEvent | None:
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None

    def flush(self) -> SseEvent | None:
        """End of stream: dispatch a pending event that lacked its blank line."""
        return self._dispatch()

    def _dispatch(self) -> SseEvent | None:
        if not self._data:
            self._event = ""
            return None
        ev = SseEvent(event=self._event or "message", data="\n".join(self._data), id=self._id)
        self._event = ""
        self._data = []
        return ev


def decode_sse(lines: Iterable[str]) -> list[SseEvent]:
    """Decode a whole stream given as lines."""
    dec = SseDecoder()
    out = [ev for line in lines if (ev := dec.feed(line)) is not None]
    last = dec.flush()
    if last is not None:
        out.append(last)
    return out


class LineSplitter:
    """Splits a byte stream into text lines on CR, LF or CRLF only.

    (``str.splitlines`` also splits on U+2028 and friends, which may appear unescaped
    inside JSON strings; the event-stream format only knows CR and LF.)

    Linear in the input: a chunk is scanned once, and the pieces of a line that spans
    many chunks are kept in a list and joined once when its line ending arrives.
    """

    __slots__ = ("_parts", "_pending_cr")

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._pending_cr = False
        lines: list[str] = []
        start = 0
        for m in _NEWLINE.finditer(chunk):
            piece = chunk[start : m.start()]
            if self._parts:
                self._parts.append(piece)
                piece = b"".join(self._parts)
                self._parts = []
            lines.append(piece.decode("utf-8", errors="replace"))
            start = m.end()
        self._pending_cr = start == len(chunk) and chunk.endswith(b"\r")
        if start < len(chunk):
            self._parts.append(chunk[start:])
        return lines

    def flush(self) -> list[str]:
        rest = b"".join(self._parts)
        self._parts = []
        return [rest.decode("utf-8", errors="replace")] if rest else []


def decode_sse_bytes(raw: bytes) -> list[SseEvent]:
    splitter = LineSplitter()
    return decode_sse([*splitter.feed(raw), *splitter.flush()])


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[SseEvent]:
    """Decode an async stream of byte chunks into events."""
    splitter = LineSplitter()
    dec = SseDecoder()
    async for chunk in chunks:
        for line in splitter.feed(chunk):
            ev = dec.feed(line)
            if ev is not None:
                yield ev
    for line in splitter.flush():
        ev = dec.feed(line)
        if ev is not None:
            yield ev
    last = dec.flush()
    if last is not None:
        yield last
