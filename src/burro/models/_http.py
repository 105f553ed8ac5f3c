"""One streaming POST over httpx, with errors classified and an idle timeout per event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

import msgspec

from burro.config.types import ProviderInfo
from burro.models.errors import (
    ModelError,
    classify_http,
    classify_stream_error,
    error_detail,
    one_line,
)
from burro.util.sse import SseEvent, aiter_sse

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT_S = 30.0
WRITE_TIMEOUT_S = 120.0
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


def import_httpx() -> Any:
    """Import httpx without its command-line module: ``httpx._main`` imports rich,
    pygments and click when they are installed (~150 ms), and burro never uses it."""
    import sys
    import types

    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stub = types.ModuleType("httpx._main")

        def main() -> None:  # pragma: no cover - httpx's own CLI is not burro's
            raise SystemExit("the httpx command-line tool is not available here")

        stub.main = main  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stub
    import httpx

    return httpx


def preload_http() -> None:
    """Load the HTTP stack a first request needs now, e.g. while a helper process
    prepares the sandbox: httpx, its transport httpcore (loaded when the client is
    built) and anyio (loaded by httpcore's first request under asyncio)."""
    import contextlib
    import importlib

    import_httpx()
    import anyio
    import httpcore  # noqa: F401

    # anyio loads its parts on first use: the ones a request touches, and its asyncio
    # backend (a private module; skipped if a later anyio moves it).
    for name in ("Event", "Lock", "Semaphore", "CancelScope", "connect_tcp", "fail_after"):
        getattr(anyio, name, None)
    with contextlib.suppress(ImportError):
        importlib.import_module("anyio._backends._asyncio")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SseTransport:
    """Owns the httpx client (created on first use) and runs one request per call."""

    def __init__(self, provider: ProviderInfo) -> None:
        self._provider = provider
        self._idle_s = max(provider.stream_idle_timeout_ms, 1) / 1000.0
        self._client: httpx.AsyncClient | None = None

    def _get_client(self) -> httpx.AsyncClient:
        if self._client is None:
            httpx = import_httpx()
            timeout = httpx.Timeout(
                connect=CONNECT_TIMEOUT_S, read=self._idle_s, write=WRITE_TIMEOUT_S, pool=None
            )
            # Plain-http endpoints (local servers) need no certificate store: loading
            # it costs ~80 ms of startup for nothing.
            plain = self._provider.base_url.startswith("http://")
            self._client = httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=not plain
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

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
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> AsyncGenerator[SseEvent, None]:
        """POST ``body`` and yield the server's events. Raises ModelError only.

        Waiting for the response head is bounded here; the time between events is
        bounded by the caller, which knows which events are progress (keep-alive
        events and comments must not hold a stuck stream open for ever)."""
        import_httpx()
        import httpx

        client = self._get_client()
        name = self._provider.name
        try:
            request = client.build_request("POST", url, content=body, headers=headers)
        except (httpx.InvalidURL, ValueError) as exc:  # bad base_url or header value
            raise ModelError(
                "bad_request", f"cannot build a request to {name} at {url}: {_describe(exc)}"
            ) from exc
        try:
            async with asyncio.timeout(self._idle_s):
                response = await client.send(request, stream=True)
        except (TimeoutError, httpx.ReadTimeout) as exc:
            raise self.idle_error(phase="request") from exc
        except httpx.UnsupportedProtocol as exc:
            raise ModelError(
                "bad_request", f"cannot send to {name} at {url}: {_describe(exc)}", phase="request"
            ) from exc
        except httpx.RemoteProtocolError as exc:
            raise ModelError(
                "empty_stream",
                f"{name} at {url} closed the connection without any response; check its log "
                f"({_describe(exc)})",
                phase="request",
            ) from exc
        except httpx.RequestError as exc:
            raise ModelError(
                "connection",
                f"could not reach {name} at {url}: {_describe(exc)}",
                phase="request",
            ) from exc
        try:
            if not 200 <= response.status_code < 300:
                raw = await self._read_error_body(response)
                raise classify_http(response.status_code, raw, response.headers, self._provider)
            ctype = response.headers.get("content-type", "")
            if "json" in ctype and "event-stream" not in ctype:
                raw = await self._read_error_body(response)
                raise self._unexpected_json(raw)
            events = aiter_sse(response.aiter_bytes()).__aiter__()
            while True:
                try:
                    event = await anext(events)
                except StopAsyncIteration:
                    return
                except httpx.ReadTimeout as exc:  # not a byte for idle_s: not even a ping
                    raise self.idle_error() from exc
                except httpx.RequestError as exc:
                    raise ModelError(
                        "stream_cut",
                        f"connection to {name} lost mid-stream: {_describe(exc)}",
                    ) from exc
                yield event
        finally:
            await response.aclose()

    async def _read_error_body(self, response: httpx.Response) -> bytes:
        import_httpx()
        import httpx

        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self._idle_s):
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= MAX_ERROR_BODY:
                        break
        except (TimeoutError, httpx.RequestError):
            pass
        return b"".join(chunks)

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
