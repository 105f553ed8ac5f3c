"""A forwarding HTTP proxy on 127.0.0.1 that records what went through it: absolute-form
requests (``POST http://host/path``) for plain targets and ``CONNECT host:port`` tunnels
for HTTPS ones, as HTTPS_PROXY / HTTP_PROXY clients send them."""

from __future__ import annotations

import contextlib
import select
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class ProxyLog:
    lines: list[str] = field(default_factory=list)  # request lines, e.g. "CONNECT h:p HTTP/1.1"
    auth: list[str] = field(default_factory=list)  # Proxy-Authorization values seen


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    socks = [a, b]
    while True:
        ready, _, _ = select.select(socks, [], [], 30)
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        headers: list[str] = []
        while (h := self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")) != "":
            headers.append(h)
        log = self.server.log
        with self.server.lock:
            log.lines.append(line)
            log.auth += [
                h.split(":", 1)[1].strip()
                for h in headers
                if h.lower().startswith("proxy-authorization:")
            ]
        method, target, version = line.split(" ", 2)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host, int(port)))
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
        else:
            url = urlsplit(target)
            upstream = socket.create_connection((url.hostname or "", url.port or 80))
            path = url.path + (f"?{url.query}" if url.query else "")
            kept = [h for h in headers if not h.lower().startswith(("proxy-", "connection:"))]
            head = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
            upstream.sendall(head.encode("latin-1"))
            length = [
                int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")
            ]
            if length:
                upstream.sendall(self.rfile.read(length[0]))
        with upstream:
            _pipe(self.connection, upstream)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    log: ProxyLog
    lock: threading.Lock


class LoopbackProxy:
    """``with LoopbackProxy() as proxy:`` — ``proxy.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.log = ProxyLog()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.log = self.log
        self._server.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        with contextlib.suppress(OSError):
            self._server.server_close()
        self._thread.join(timeout=5)
