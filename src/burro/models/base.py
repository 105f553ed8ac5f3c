"""The ModelClient seam, and the one client that runs any of the three wires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Protocol

import msgspec

from burro.config.types import ProviderInfo
from burro.models.errors import ModelError
from burro.protocol.items import CustomToolCall, FunctionCall, Message
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent

if TYPE_CHECKING:
    from burro.models._wire import Wire


class ModelClient(Protocol):
    """Streams one model response per ``stream()`` call (one HTTP attempt, no retries)."""

    def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


class IdleClock:
    """A deadline that only progress moves: ``touch()`` on progress; time spent by the
    consumer between events (``pause()`` .. ``resume()``) is not counted as idle."""

    def __init__(self, idle_s: float) -> None:
        self._idle_s = idle_s
        self._deadline = time.monotonic() + idle_s
        self._paused_at: float | None = None

    def touch(self) -> None:
        self._deadline = time.monotonic() + self._idle_s

    def pause(self) -> None:
        self._paused_at = time.monotonic()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._deadline += time.monotonic() - self._paused_at
            self._paused_at = None

    def remaining(self) -> float:
        return max(self._deadline - time.monotonic(), 0.0)


class OutputSummary:
    """Watches the items of one response to complete its ``Completed`` event: whether
    the reply is empty (no text, no tool call) and, where the wire did not say, why it
    stopped."""

    def __init__(self) -> None:
        self.text = False
        self.calls = False

    def seen(self, event: StreamEvent) -> StreamEvent:
        if isinstance(event, ItemDone):
            item = event.item
            if isinstance(item, FunctionCall | CustomToolCall):
                self.calls = True
            elif isinstance(item, Message) and item.text().strip():
                self.text = True
        elif isinstance(event, Completed):
            stop = event.stop_reason
            if stop is None:
                stop = "tool_calls" if self.calls else "end_turn"
            empty = not (self.text or self.calls)
            return msgspec.structs.replace(event, stop_reason=stop, empty=empty)
        return event


class WireClient:
    """A ModelClient made of a wire (body, headers, parser) and an SSE transport."""

    def __init__(
        self,
        provider: ProviderInfo,
        wire: Wire,
        *,
        api_key: str | None,
        session_id: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        from burro.models._http import SseTransport

        self._provider = provider
        self._wire = wire
        self._api_key = api_key
        self._session_id = session_id
        self._env: Mapping[str, str] = env or {}
        self._transport = SseTransport(provider)

    async def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]:
        from burro.models._http import endpoint_url, extra_headers

        wire = self._wire
        transport = self._transport
        url = endpoint_url(self._provider, wire.path)
        headers = wire.headers(api_key=self._api_key, session_id=self._session_id)
        headers.update(extra_headers(self._provider, self._env))
        body = wire.build_body(prompt)
        parser = wire.parser(prompt, self._provider)
        clock = IdleClock(transport.idle_s)
        summary = OutputSummary()
        received = 0
        # aclosing: the response is released at once, also when a parser raises.
        complete = lambda: parser.done  # noqa: E731 - read when the stream is left
        async with aclosing(
            transport.post_sse(url, body, headers, complete=complete)
        ) as sse_events:
            events = sse_events.__aiter__()
            while not parser.done:
                try:
                    async with asyncio.timeout(clock.remaining()):
                        sse = await anext(events)
                except StopAsyncIteration:
                    break
                except TimeoutError as exc:
                    raise transport.idle_error(phase="stream" if received else "request") from exc
                received += 1
                before = parser.progress
                try:
                    out = parser.feed(sse)
                except (TypeError, KeyError, ValueError, AttributeError, IndexError) as exc:
                    # A well-formed event of a shape the wire does not expect: a typed,
                    # clear error, never a stray exception deep in the loop.
                    raise ModelError(
                        "malformed_response",
                        f"{self._provider.name} sent an event burro cannot read "
                        f"({type(exc).__name__}: {exc}); the provider or proxy may speak "
                        "another version of the API",
                        retryable=False,
                    ) from exc
                if parser.progress != before:
                    clock.touch()
                for event in out:
                    clock.pause()
                    yield summary.seen(event)
                    clock.resume()
        if not parser.done and received == 0:
            raise ModelError(
                "empty_stream",
                f"{self._provider.name} closed the stream without any data; check its log",
            )
        for event in parser.finish():
            yield summary.seen(event)

    async def aclose(self) -> None:
        await self._transport.aclose()


def open_client(
    provider: ProviderInfo,
    *,
    api_key: str | None,
    session_id: str,
    env: Mapping[str, str] | None = None,
) -> ModelClient:
    """A client for ``provider.wire_api``. Cheap: no network, no httpx import yet.
    With ``tool_calling = "text"`` the tools travel as text (models.text_tools)."""
    wire: Wire
    if provider.wire_api == "responses":
        from burro.models.responses import ResponsesWire

        wire = ResponsesWire()
    elif provider.wire_api == "chat":
        from burro.models.chat import ChatWire

        wire = ChatWire()
    elif provider.wire_api == "anthropic":
        from burro.models.anthropic import AnthropicWire

        wire = AnthropicWire()
    else:  # pragma: no cover - WireApi is a closed Literal
        raise ValueError(f"unknown wire_api {provider.wire_api!r}")
    client: ModelClient = WireClient(
        provider, wire, api_key=api_key, session_id=session_id, env=env
    )
    if provider.tool_calling == "text":
        from burro.models.text_tools import TextToolClient

        client = TextToolClient(client)
    return client
