"""The ModelClient seam, and the one client that runs any of the three wires."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Protocol

from burro.config.types import ProviderInfo
from burro.protocol.model import Prompt, StreamEvent

if TYPE_CHECKING:
    from burro.models._wire import Wire


class ModelClient(Protocol):
    """Streams one model response per ``stream()`` call (one HTTP attempt, no retries)."""

    def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


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
        url = endpoint_url(self._provider, wire.path)
        headers = wire.headers(api_key=self._api_key, session_id=self._session_id)
        headers.update(extra_headers(self._provider, self._env))
        body = wire.build_body(prompt)
        parser = wire.parser(prompt, self._provider)
        # aclosing: the response is released at once, also when a parser raises.
        async with aclosing(self._transport.post_sse(url, body, headers)) as events:
            async for sse in events:
                for event in parser.feed(sse):
                    yield event
                if parser.done:
                    return
        for event in parser.finish():
            yield event

    async def aclose(self) -> None:
        await self._transport.aclose()


def open_client(
    provider: ProviderInfo,
    *,
    api_key: str | None,
    session_id: str,
    env: Mapping[str, str] | None = None,
) -> ModelClient:
    """A client for ``provider.wire_api``. Cheap: no network, no httpx import yet."""
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
    return WireClient(provider, wire, api_key=api_key, session_id=session_id, env=env)
