"""The task API's token gate lets nothing past it unchecked: a WebSocket handshake (no
route takes one) is closed before the app sees it, whatever headers it carries."""

from __future__ import annotations

import asyncio
from typing import Any

from burro.frontends.cloud.api import _TokenGate


def test_a_websocket_is_closed_before_the_app() -> None:
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["type"])

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    gate = _TokenGate(app, token="secret")
    scope = {
        "type": "websocket",
        "path": "/api/tasks",
        "headers": [(b"authorization", b"Bearer x")],
    }
    asyncio.run(gate(scope, receive, send))
    assert reached == [] and sent == [{"type": "websocket.close", "code": 1008}]
    asyncio.run(gate({"type": "lifespan"}, receive, send))
    assert reached == ["lifespan"]
