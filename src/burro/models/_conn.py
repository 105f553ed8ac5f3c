"""The model's connections: httpcore's pool, one request per thread, errors classified.

Straight to httpcore, the connection engine under httpx (its pool, TLS, proxies,
HTTP/1.1): ``import httpx`` adds ~30 ms to every start (its URL, cookie, auth and
multipart layers pull in urllib.request, http.client and the email package), and a
model request needs none of it. The environment is read as httpx reads it (``_net``).
Everything else in burro that speaks HTTP uses httpx."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from burro.models.errors import ModelError

if TYPE_CHECKING:
    import httpcore

CONNECT_TIMEOUT_S = 30.0
WRITE_TIMEOUT_S = 120.0
_PORTS = {b"http": 80, b"https": 443}
# How long a complete answer's thread may read on to the body's end (the connection is
# then reused) before its socket is shut down.
DRAIN_S = 0.5


def network_errors() -> tuple[type[BaseException], ...]:
    """What httpcore raises when a request fails (httpx calls them RequestError)."""
    import httpcore

    return (
        httpcore.NetworkError,
        httpcore.TimeoutException,
        httpcore.ProtocolError,
        httpcore.ProxyError,
        httpcore.UnsupportedProtocol,
    )


def certificate_refused(exc: BaseException) -> bool:
    """The TLS handshake failed because the server's certificate is not trusted."""
    import ssl

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Feed:
    """What the request's thread hands the event loop, in order: ``("head", response)``,
    then ``("chunk", bytes)``… and ``("end", None)``, or ``("error", exception)``.

    Why a thread: httpcore's synchronous pool is thread-safe, while its asyncio side
    needs anyio, whose import is a tenth of burro's start-up. The loop side cancels by
    shutting the socket down, which wakes a blocked read at once."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._lock = threading.Lock()
        self._response: httpcore.Response | None = None
        self._finished = False  # the body was read to its end: the connection is reusable
        self._released = asyncio.Event()  # the thread closed the response
        self.cancelled = False

    def put(self, kind: str, value: Any) -> None:  # from the request's thread
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody listens
            self._loop.call_soon_threadsafe(self._queue.put_nowait, (kind, value))

    async def get(self) -> tuple[str, Any]:
        return await self._queue.get()

    def adopt(self, response: httpcore.Response) -> bool:
        """The thread got the response head; False when the loop side already left."""
        with self._lock:
            self._response = response
            return not self.cancelled

    def finish(self) -> None:
        with self._lock:
            self._finished = True

    def released(self) -> None:  # from the request's thread, after closing the response
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._released.set)

    async def wait_released(self, timeout: float) -> None:
        """Until the thread has closed the response (a read-to-the-end connection is then
        back in the pool for the next request), for at most ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._released.wait()

    def cancel(self, *, drain: bool = False) -> None:
        """Stop the thread. A response read to its end is left alone: its connection
        goes back to the pool. ``drain`` (the answer is complete, only the end of the
        body may be in flight): the thread reads on to the end for up to ``DRAIN_S``, so
        the connection can be reused. Otherwise, or after that, the socket is shut down
        and the thread leaves its read at once."""
        with self._lock:
            self.cancelled = True
            if self._finished or self._response is None:
                return
        if drain:
            try:
                self._loop.call_later(DRAIN_S, self._shutdown)
                return
            except RuntimeError:  # the loop is closed: no later
                pass
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            response = None if self._finished else self._response
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _pump(pool: httpcore.ConnectionPool, request: httpcore.Request, feed: Feed) -> None:
    """The request's thread: send, then pass the body on chunk by chunk."""
    try:
        response = pool.handle_request(request)
    except BaseException as exc:  # every failure goes to the loop side
        feed.put("error", exc)
        return
    try:
        if not feed.adopt(response):
            return
        feed.put("head", response)
        unzip = _decoder(response.headers)
        for chunk in response.stream:  # type: ignore[union-attr]
            if feed.cancelled:
                continue  # read on to the end (the loop side shuts it down otherwise)
            chunk = unzip.decompress(chunk) if unzip is not None else chunk
            if chunk:
                feed.put("chunk", chunk)
        if unzip is not None and not feed.cancelled and (tail := unzip.flush()):
            feed.put("chunk", tail)
        feed.finish()
        feed.put("end", None)
    except BaseException as exc:
        if not feed.cancelled:
            feed.put("error", exc)
    finally:
        response.close()
        feed.released()


def _host_header(url: httpcore.URL) -> bytes:
    host = b"[%b]" % url.host if b":" in url.host else url.host  # an IPv6 address
    return host if url.port in (None, _PORTS.get(url.scheme)) else b"%b:%d" % (host, url.port)


def _decoder(headers: list[tuple[bytes, bytes]]) -> _Unzip | None:
    """A decompressor for a gzip or deflate body (burro asks for none, but a proxy may
    compress anyway); None for a plain one."""
    encoding = b",".join(v for k, v in headers if k.lower() == b"content-encoding").strip()
    name = encoding.lower().decode("latin-1")
    return _Unzip(name) if name in ("gzip", "x-gzip", "deflate") else None


class _Unzip:
    """gzip, or deflate with a zlib header or (from some servers) without, as httpx
    reads them; a body that does not decompress is an httpcore protocol error."""

    def __init__(self, name: str) -> None:
        import zlib

        self._name = name
        self._raw_next = name == "deflate"  # only the first chunk may switch to raw
        self._unzip = zlib.decompressobj(zlib.MAX_WBITS | 32)  # 32: gzip or zlib header

    def decompress(self, data: bytes) -> bytes:
        import zlib

        try:
            out = self._unzip.decompress(data)
        except zlib.error as exc:
            if not self._raw_next:
                raise self._broken(exc) from exc
            self._unzip = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_next = False
            return self.decompress(data)
        self._raw_next = False
        return out

    def flush(self) -> bytes:
        import zlib

        try:
            return self._unzip.flush()
        except zlib.error as exc:
            raise self._broken(exc) from exc

    def _broken(self, exc: Exception) -> Exception:
        import httpcore

        return httpcore.RemoteProtocolError(f"the {self._name} body does not decompress ({exc})")


def text_headers(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


async def chunks(feed: Feed) -> AsyncGenerator[bytes, None]:
    while True:
        kind, value = await feed.get()
        if kind == "chunk":
            yield value
        elif kind == "end":
            return
        else:
            raise value


def open_pool(name: str, url: str) -> httpcore.ConnectionPool:
    """A pool for requests to ``url``'s server, through the proxy the environment names;
    ModelError (one line, not retried) for a proxy or certificate store it cannot use."""
    import os

    import httpcore

    from burro.models._net import proxy_for, proxy_problem, ssl_context, store_name

    # Plain-http endpoints (local servers) need no certificate store.
    plain = url.startswith("http://")
    proxy = proxy_for(url, os.environ)
    if proxy is not None and (problem := proxy_problem(proxy)) is not None:
        raise ModelError(
            "bad_request",
            f"cannot reach {name} through the proxy {proxy.url}: {problem}; fix "
            "HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, or add the host to NO_PROXY",
            retryable=False,
            phase="request",
        )
    try:
        context = None if plain and proxy is None else ssl_context(os.environ)
    except OSError as exc:
        raise ModelError(
            "bad_request",
            f"cannot load the certificates for {name} from {store_name(os.environ)} "
            f"({exc}); fix or unset it",
            retryable=False,
            phase="request",
        ) from exc
    return httpcore.ConnectionPool(
        ssl_context=context,
        proxy=httpcore.Proxy(proxy.url, auth=proxy.auth, ssl_context=context)
        if proxy is not None
        else None,
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        # A request goes out in two writes (head, then body): without this, the body
        # waits for the server's delayed ACK (40 ms) on a reused connection.
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )


def build_request(
    method: str, url: str, headers: dict[str, str], body: bytes, *, read_timeout: float
) -> httpcore.Request:
    """The request; ValueError or TypeError for a URL or header it cannot carry."""
    import httpcore

    from burro import __version__

    sent = {"user-agent": f"burro/{__version__}", "accept-encoding": "identity"}
    sent.update({k.lower(): v for k, v in headers.items()})
    sent.pop("host", None)
    sent.pop("content-length", None)
    raw: list[tuple[bytes, bytes]] = []
    for key, value in sent.items():
        # What HTTP refuses in a value; the message names the header only (the value
        # may be an API key).
        if any(c in value for c in "\r\n\0\f\v") or value != value.strip(" \t"):
            raise ValueError(f"header {key} holds a line break or starts or ends with white space")
        raw.append((key.encode("ascii"), value.encode("latin-1")))
    target = httpcore.URL(url)
    raw.insert(0, (b"host", _host_header(target)))
    if body or method != "GET":
        raw.append((b"content-length", str(len(body)).encode()))
    timeout = {"connect": CONNECT_TIMEOUT_S, "read": read_timeout, "write": WRITE_TIMEOUT_S}
    return httpcore.Request(
        method, target, headers=raw, content=body, extensions={"timeout": timeout}
    )


def request_failure(
    name: str, url: str, exc: BaseException, *, read_timeout: ModelError
) -> BaseException:
    """What a failure before the response head means to the user (``read_timeout`` when
    no answer came in time)."""
    import httpcore

    if isinstance(exc, httpcore.ReadTimeout):
        return read_timeout
    if isinstance(exc, httpcore.UnsupportedProtocol | httpcore.LocalProtocolError):
        return ModelError(
            "bad_request", f"cannot send to {name} at {url}: {describe(exc)}", phase="request"
        )
    if isinstance(exc, httpcore.RemoteProtocolError):
        return ModelError(
            "empty_stream",
            f"{name} at {url} closed the connection without any response; check its log "
            f"({describe(exc)})",
            phase="request",
        )
    if certificate_refused(exc):
        import os

        from burro.models._net import store_name

        return ModelError(
            "connection",
            f"could not reach {name} at {url}: its certificate is not trusted "
            f"({describe(exc)}); burro checks it against {store_name(os.environ)}: "
            "point SSL_CERT_FILE at a bundle that holds your CA",
            retryable=False,  # another attempt meets the same certificate
            phase="request",
        )
    if isinstance(exc, network_errors()):
        return ModelError(
            "connection", f"could not reach {name} at {url}: {describe(exc)}", phase="request"
        )
    return exc


def start(pool: httpcore.ConnectionPool, request: httpcore.Request) -> Feed:
    """Send ``request`` on a thread of its own; the feed brings its response."""
    feed = Feed(asyncio.get_running_loop())
    threading.Thread(
        target=_pump, args=(pool, request, feed), name="burro-model-stream", daemon=True
    ).start()
    return feed


async def read_all(feed: Feed, *, limit: int, into: list[bytes] | None = None) -> bytes:
    """The body, up to ``limit`` bytes (the rest is left unread); the parts also go to
    ``into`` as they come, for a caller that keeps what arrived before an error."""
    parts = into if into is not None else []
    size = 0
    async for chunk in chunks(feed):
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)
