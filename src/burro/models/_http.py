"""One streaming POST to a model, with errors classified and an idle timeout per event
(the connection layer is ``_conn``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

import msgspec

from burro.config.types import ProviderInfo
from burro.models import _conn
from burro.models.errors import (
    ModelError,
    classify_http,
    classify_stream_error,
    error_detail,
    one_line,
)
from burro.util.sse import SseEvent, aiter_sse

if TYPE_CHECKING:
    import httpcore

MAX_ERROR_BODY = 64 * 1024


def endpoint_url(provider: ProviderInfo, path: str) -> str:
    url = provider.base_url.rstrip("/") + "/" + path.lstrip("/")
    if provider.query_params:
        url += ("&" if "?" in url else "?") + urlencode(provider.query_params)
    return url


def extra_headers(provider: ProviderInfo, env: Mapping[str, str]) -> dict[str, str]:
    """Provider ``http_headers`` plus ``env_http_headers`` whose variable is set in the
    session's environment (never the process's: a server runs many sessions)."""
    out = dict(provider.http_headers)
    for header, var in provider.env_http_headers.items():
        value = env.get(var, "").strip()
        if value:
            out[header] = value
    return out


def preload_http(base_url: str = "") -> None:
    """Load the HTTP stack a first request to ``base_url`` needs now, e.g. while a helper
    process prepares the sandbox: httpcore, the codec that encodes the host name when the
    connection opens and, for HTTPS, the certificate store (on a thread of its own)."""
    import encodings.idna  # noqa: F401
    import os

    if base_url.startswith("https://"):
        from burro.models._net import warm_ssl_context

        warm_ssl_context(os.environ)
    import httpcore  # noqa: F401


class SseTransport:
    """Owns the connection pool (created on first use) and runs one request per call, on
    a thread of its own (see ``_conn.Feed``)."""

    def __init__(self, provider: ProviderInfo) -> None:
        self._provider = provider
        self._idle_s = max(provider.stream_idle_timeout_ms, 1) / 1000.0
        self._pool: httpcore.ConnectionPool | None = None

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()

    @property
    def idle_s(self) -> float:
        return self._idle_s

    def idle_error(self, *, phase: Literal["request", "stream"] = "stream") -> ModelError:
        what = "no response" if phase == "request" else "no progress (keep-alives do not count)"
        return ModelError(
            "idle_timeout",
            f"idle timeout: {what} from {self._provider.name} for "
            f"{self._idle_s:g} s (stream_idle_timeout_ms)",
            phase=phase,
        )

    async def post_sse(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        complete: Callable[[], bool] | None = None,
    ) -> AsyncGenerator[SseEvent, None]:
        """POST ``body`` and yield the server's events. Raises ModelError only.
        ``complete`` tells, when the caller stops reading, whether it has the whole
        answer (the rest of the body is then read, so the connection can be reused).

        Waiting for the response head is bounded here; the time between events is
        bounded by the caller, which knows which events are progress (keep-alive
        events and comments must not hold a stuck stream open for ever)."""
        import httpcore

        name = self._provider.name
        if self._pool is None:
            self._pool = _conn.open_pool(name, url)
        try:
            request = _conn.build_request("POST", url, headers, body, read_timeout=self._idle_s)
        except (ValueError, TypeError) as exc:  # bad base_url or header value
            raise ModelError(
                "bad_request", f"cannot build a request to {name} at {url}: {_conn.describe(exc)}"
            ) from exc
        feed = _conn.start(self._pool, request)
        try:
            try:
                async with asyncio.timeout(self._idle_s):
                    kind, value = await feed.get()
            except TimeoutError as exc:
                raise self.idle_error(phase="request") from exc
            if kind == "error":
                read_timeout = self.idle_error(phase="request")
                raise _conn.request_failure(name, url, value, read_timeout=read_timeout) from value
            response: httpcore.Response = value
            head = _conn.text_headers(response.headers)
            if not 200 <= response.status < 300:
                raw = await self._read_error_body(feed)
                raise classify_http(response.status, raw, head, self._provider)
            ctype = head.get("content-type", "")
            if "json" in ctype and "event-stream" not in ctype:
                raw = await self._read_error_body(feed)
                raise self._unexpected_json(raw)
            events = aiter_sse(_conn.chunks(feed)).__aiter__()
            while True:
                try:
                    event = await anext(events)
                except StopAsyncIteration:
                    return
                except httpcore.ReadTimeout as exc:  # not a byte for idle_s: not even a ping
                    raise self.idle_error() from exc
                except _conn.network_errors() as exc:
                    raise ModelError(
                        "stream_cut",
                        f"connection to {name} lost mid-stream: {_conn.describe(exc)}",
                    ) from exc
                yield event
        finally:
            drain = complete is not None and complete()
            feed.cancel(drain=drain)
            if drain:
                await feed.wait_released(_conn.DRAIN_S)

    async def _read_error_body(self, feed: _conn.Feed) -> bytes:
        parts: list[bytes] = []
        ends: tuple[type[BaseException], ...] = (TimeoutError, *_conn.network_errors())
        with contextlib.suppress(*ends):  # what came before a cut still tells something
            async with asyncio.timeout(self._idle_s):
                await _conn.read_all(feed, limit=MAX_ERROR_BODY, into=parts)
        return b"".join(parts)

    def _unexpected_json(self, raw: bytes) -> ModelError:
        try:
            decoded: Any = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            decoded = None
        if isinstance(decoded, dict) and "error" in decoded:
            code, msg = error_detail(decoded)
            err = classify_stream_error(code, msg, self._provider)
            err.phase = "request"
            return err
        return ModelError(
            "malformed_response",
            f"{self._provider.name} answered with JSON instead of an event stream: "
            + one_line(raw.decode("utf-8", errors="replace"), limit=200),
            phase="request",
        )
