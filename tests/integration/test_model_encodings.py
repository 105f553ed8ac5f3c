"""A compressed model stream (burro asks for none, but a proxy may compress anyway) is
read as httpx reads it: gzip, zlib-wrapped and raw deflate; a body that does not
decompress is a model error, never a stray zlib error."""

from __future__ import annotations

import gzip
import http.server
import threading
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.integration.test_model_clients import done_items, provider, stream, stream_error

from burro.protocol.items import Message


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def _broken_gzip(data: bytes) -> bytes:
    return gzip.compress(data)[:10] + b"\xff" * 64  # a gzip header, then no deflate data


@contextmanager
def _compressing(
    srv: FakeModelServer, encoding: str, encode: Callable[[bytes], bytes]
) -> Iterator[str]:
    """A loopback front for ``srv`` that sends its answers with ``Content-Encoding``."""
    origin = srv.base_url.rsplit("/v1", 1)[0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            sent = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            request = urllib.request.Request(origin + self.path, data=body, headers=sent)
            with urllib.request.urlopen(request) as answer:
                data = encode(answer.read())
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-encoding", encoding)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=front.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{front.server_address[1]}/v1"
    finally:
        front.shutdown()
        front.server_close()


class _At:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", _raw_deflate)],
    ids=["gzip", "zlib-deflate", "raw-deflate"],
)
def test_a_compressed_stream_is_read(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    with (
        FakeModelServer([Turn([Text("packed")])]) as srv,
        _compressing(srv, encoding, encode) as url,
    ):
        events = stream(provider(_At(url), "responses"))  # type: ignore[arg-type]
    [message] = [i for i in done_items(events) if isinstance(i, Message)]
    assert message.text() == "packed"


def test_a_body_that_does_not_decompress_is_a_model_error() -> None:
    with (
        FakeModelServer([Turn([Text("lost")])] * 3) as srv,
        _compressing(srv, "gzip", _broken_gzip) as url,
    ):
        err = stream_error(provider(_At(url), "responses", stream_max_retries=0))  # type: ignore[arg-type]
    assert err.code == "stream_cut" and "gzip" in str(err), err
