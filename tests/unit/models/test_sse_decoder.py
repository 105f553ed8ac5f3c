from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from burro.util.sse import LineSplitter, SseEvent, aiter_sse, decode_sse_bytes


def test_events_fields_comments_and_multiline_data() -> None:
    raw = b': keep-alive\n\nevent: a\ndata: {"x":\ndata: 1}\nid: 7\n\ndata:no-space\n\n'
    assert decode_sse_bytes(raw) == [
        SseEvent(event="a", data='{"x":\n1}', id="7"),
        SseEvent(event="message", data="no-space", id="7"),
    ]


def test_crlf_cr_and_unicode_line_separators() -> None:
    raw = "data: a\u2028b\r\n\r\ndata: c\r\rdata: é\n\n".encode()
    assert [e.data for e in decode_sse_bytes(raw)] == ["a\u2028b", "c", "é"]


def test_event_without_trailing_blank_line_is_still_delivered() -> None:
    assert [e.data for e in decode_sse_bytes(b"data: [DONE]")] == ["[DONE]"]


def test_lines_split_across_chunks_in_any_place() -> None:
    raw = "data: héllo\r\n\r\ndata: x\n\n".encode()
    for cut in range(len(raw) + 1):
        s = LineSplitter()
        lines = [*s.feed(raw[:cut]), *s.feed(raw[cut:]), *s.flush()]
        assert lines == ["data: héllo", "", "data: x", ""], cut


def test_async_decoding_of_byte_chunks() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for b in (b"da", b"ta: 1\n", b"\ndata: 2\r", b"\n\r\n"):
            yield b

    async def collect() -> list[str]:
        return [e.data async for e in aiter_sse(chunks())]

    assert asyncio.run(collect()) == ["1", "2"]
