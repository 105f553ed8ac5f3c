"""A fake model provider speaking the real wire formats, for burro's tests.

Routes (every POST to one of them consumes the next scripted :class:`Turn`):

* ``POST /v1/responses``         OpenAI Responses API
* ``POST /v1/chat/completions``  OpenAI Chat Completions
* ``POST /v1/messages``          Anthropic Messages

``"stream": true`` gets server-sent events; otherwise the equivalent JSON body.
When the script is exhausted the server answers HTTP 500 "fake model script
exhausted" so a test fails loudly instead of hanging. Every request is recorded
byte-exact in :attr:`FakeModelServer.requests`.

CLI (benchmarks, manual use)::

    python -m tests.fakes.model_server --script FILE.json [--port 0] \\
        --ready-file PATH [--record FILE.jsonl]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from tests.fakes.script import (
    EmptyClose,
    Hang,
    HttpError,
    MalformedLine,
    PingForever,
    RawEvent,
    Recorded,
    ResetAfter,
    Script,
    Turn,
)
from tests.fakes.wire_anthropic import anthropic_error, anthropic_reply
from tests.fakes.wire_common import WireReply
from tests.fakes.wire_openai import chat_reply, openai_error, responses_reply

EXHAUSTED = "fake model script exhausted"
MALFORMED_LINE = b"data: {not json\n\n"
ROUTES = ("/v1/responses", "/v1/chat/completions", "/v1/messages")
# What each wire sends to keep a connection open without making progress.
KEEP_ALIVE = {
    "/v1/messages": b'event: ping\ndata: {"type": "ping"}\n\n',
    "/v1/responses": (
        b"event: response.in_progress\n"
        b'data: {"type": "response.in_progress", "response": {"status": "in_progress"}}\n\n'
    ),
    "/v1/chat/completions": b": keep-alive\n\n",
}


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-case keys
    body: bytes
    json: Any  # the parsed body, or None when it is not JSON
    method: str = "POST"
    received_at: float = 0.0  # time.monotonic() when the whole body had arrived


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client dropping its keep-alive connection is normal; stay quiet about it.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Httpd

    # ------------------------------------------------------------ plumbing

    def setup(self) -> None:
        super().setup()
        # As real servers do (uvicorn, Go, nginx): a reply goes out in several writes,
        # which Nagle's algorithm would hold for the client's delayed ACK (40 ms).
        with contextlib.suppress(OSError):  # a TLS-wrapped or closed socket
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _record(self, body: bytes) -> RecordedRequest:
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            k = key.lower()
            headers[k] = f"{headers[k]}, {value}" if k in headers else value
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        rec = RecordedRequest(
            self.path, headers, body, parsed, self.command, received_at=time.monotonic()
        )
        self.server.fake._add_request(rec)
        return rec

    def _send_json(self, status: int, payload: Any, *, extra: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error_body(self, route: str, status: int, message: str, fault: HttpError | None) -> Any:
        if fault is not None and fault.body is not None:
            return fault.body if not isinstance(fault.body, str) else fault.body.encode()
        code = fault.code if fault else None
        error_type = fault.error_type if fault else None
        if route == "/v1/messages":
            return anthropic_error(status, message, error_type=error_type)
        return openai_error(status, message, code=code, error_type=error_type)

    def _abort(self) -> None:
        """Close the connection abruptly (the client sees a truncated body)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------ routes

    def do_GET(self) -> None:
        self._record(b"")
        route = self.path.split("?", 1)[0].rstrip("/")
        answer = self.server.fake.get_routes.get(route)
        if answer is not None:
            self._send_json(200, answer)
            return
        self._send_json(404, openai_error(404, f"no route GET {self.path}"))

    def do_POST(self) -> None:
        body = self._read_body()
        rec = self._record(body)
        route = self.path.split("?", 1)[0].rstrip("/")
        if route not in ROUTES:
            self._send_json(404, openai_error(404, f"no route POST {self.path}"))
            return
        fake = self.server.fake
        turn = fake._turn_for(rec)
        if turn is None:
            self._send_json(500, self._error_body(route, 500, EXHAUSTED, None))
            return
        if turn.delay_s > 0 and fake._stopping.wait(turn.delay_s):
            self._abort()
            return
        fault = turn.fault
        if isinstance(fault, EmptyClose) and not fault.head:
            self._abort()
            return
        if isinstance(fault, Recorded):
            data = fault.body.encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", fault.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if isinstance(fault, HttpError):
            extra = {}
            if fault.retry_after is not None:
                ra = fault.retry_after
                extra["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
            self._send_json(
                fault.status,
                self._error_body(route, fault.status, fault.message, fault),
                extra=extra,
            )
            return
        reply = self._build(route, turn, rec)
        streaming = isinstance(rec.json, dict) and rec.json.get("stream") is True
        try:
            if streaming:
                self._stream(reply, turn, route)
            else:
                self._plain(reply, turn)
        except OSError:
            self.close_connection = True

    def _build(self, route: str, turn: Turn, rec: RecordedRequest) -> WireReply:
        if route == "/v1/responses":
            return responses_reply(turn, rec.json, rec.body)
        if route == "/v1/chat/completions":
            always = self.server.fake.chat_usage_always
            return chat_reply(turn, rec.json, rec.body, usage_always=always)
        return anthropic_reply(turn, rec.json, rec.body)

    def _plain(self, reply: WireReply, turn: Turn) -> None:
        fault = turn.fault
        if isinstance(fault, ResetAfter):
            self._abort()
        elif isinstance(fault, Hang):
            self.server.fake._stopping.wait(fault.seconds)
            self._abort()
        elif isinstance(fault, MalformedLine):
            self._send_json(200, b"{not json")
        else:
            self._send_json(200, reply.body)

    def _stream(self, reply: WireReply, turn: Turn, route: str) -> None:
        fake = self.server.fake
        fault = turn.fault
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        pending: list[bytes] = []
        size = 0

        def flush() -> None:
            nonlocal size
            if pending:
                data = b"".join(pending)
                pending.clear()
                size = 0
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        def chunk(data: bytes) -> None:
            # Events without a scripted gap go out in batches of up to 64 KiB (as a busy
            # server's do): a long stream then costs the client per event, not per write.
            nonlocal size
            pending.append(data)
            size += len(data)
            if turn.event_gap_s > 0 or size >= 65536:
                flush()

        cut = len(reply.events)
        if isinstance(fault, ResetAfter):
            cut = fault.events
        elif isinstance(fault, Hang | PingForever):
            cut = fault.after
        elif isinstance(fault, EmptyClose):
            cut = 0
        for i, event in enumerate(reply.events[:cut]):
            if isinstance(fault, MalformedLine) and i == fault.after:
                chunk(MALFORMED_LINE)
            if isinstance(fault, RawEvent) and i == fault.after:
                chunk(f"data: {fault.data}\n\n".encode())
            if i and turn.event_gap_s > 0 and fake._stopping.wait(turn.event_gap_s):
                self._abort()
                return
            chunk(event.encode())
        if isinstance(fault, MalformedLine) and fault.after >= len(reply.events):
            chunk(MALFORMED_LINE)
        flush()
        if isinstance(fault, Hang):
            fake._stopping.wait(fault.seconds)
        if isinstance(fault, PingForever):
            ping = KEEP_ALIVE[route]
            while not fake._stopping.wait(fault.interval_s):
                chunk(ping)  # OSError once the client hangs up ends the handler
                flush()
        if isinstance(fault, ResetAfter | Hang | PingForever):
            self._abort()
            return
        if turn.end_delay_s > 0:
            self.wfile.flush()
            fake._stopping.wait(turn.end_delay_s)
        self.wfile.write(b"0\r\n\r\n")


class FakeModelServer:
    """Scripted fake model provider on 127.0.0.1, served from a daemon thread."""

    def __init__(
        self,
        script: Script | list[Turn],
        *,
        port: int = 0,
        chat_usage_always: bool = False,
        record_path: str | Path | None = None,
        get_routes: dict[str, Any] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        turns = script.turns if isinstance(script, Script) else script
        self._turns: deque[Turn] = deque(turns)
        self._port = port
        self._tls = tls  # HTTPS (tests.fakes.tls) instead of plain HTTP
        self.chat_usage_always = chat_usage_always
        # GET answers, e.g. {"/v1/models": {...}, "/props": {...}} (model discovery).
        self.get_routes: dict[str, Any] = dict(get_routes or {})
        self._record_path = Path(record_path) if record_path is not None else None
        self._record_file: IO[str] | None = None
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._conns: set[socket.socket] = set()
        self.connections = 0  # connections accepted so far (keep-alive reuse shows here)
        self._stopping = threading.Event()
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._httpd is not None:
            return
        if self._record_path is not None:
            self._record_file = self._record_path.open("a", encoding="utf-8")
        httpd = _Httpd(("127.0.0.1", self._port), _Handler)
        httpd.fake = self
        if self._tls is not None:
            httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        scheme = "https" if self._tls is not None else "http"
        self.base_url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-model-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._cond:
            if self._record_file is not None:
                self._record_file.close()
                self._record_file = None

    def __enter__(self) -> FakeModelServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ script & records

    @property
    def root_url(self) -> str:
        """The server root without ``/v1`` (what the Anthropic SDK wants)."""
        return self.base_url.removesuffix("/v1")

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    @property
    def turns_remaining(self) -> int:
        with self._cond:
            return len(self._turns)

    def add_turns(self, *turns: Turn) -> None:
        with self._cond:
            self._turns.extend(turns)

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout=timeout):
                raise TimeoutError(
                    f"expected {n} requests to the fake model server, got {len(self._requests)}"
                )
            return list(self._requests)

    def _turn_for(self, rec: RecordedRequest) -> Turn | None:
        """The turn answering ``rec``; a subclass may pick one by request (a seam)."""
        return self._next_turn()

    def _next_turn(self) -> Turn | None:
        with self._cond:
            return self._turns.popleft() if self._turns else None

    def _add_request(self, rec: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(rec)
            if self._record_file is not None:
                line = {
                    "method": rec.method,
                    "path": rec.path,
                    "headers": rec.headers,
                    "body": rec.body.decode("utf-8", errors="replace"),
                    "json": rec.json,
                }
                self._record_file.write(json.dumps(line) + "\n")
                self._record_file.flush()
            self._cond.notify_all()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._cond:
            if add:
                self._conns.add(conn)
                self.connections += 1
            else:
                self._conns.discard(conn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.model_server")
    parser.add_argument("--script", required=True, help="script JSON file")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", required=True, help="base_url is written here once serving")
    parser.add_argument("--record", default=None, help="append every request to this JSONL file")
    args = parser.parse_args(argv)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    server = FakeModelServer(Script.load(args.script), port=args.port, record_path=args.record)
    server.start()
    try:
        ready = Path(args.ready_file)
        tmp = ready.with_name(ready.name + ".tmp")
        tmp.write_text(server.base_url, encoding="utf-8")
        os.replace(tmp, ready)
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
