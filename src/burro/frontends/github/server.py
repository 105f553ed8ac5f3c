"""The webhook endpoint (an ASGI app, mountable in another server) and the worker that
drains the delivery queue. A delivery is verified, stored and acknowledged at once;
the work happens in the background, and again after a restart if it was cut off."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from burro.frontends.github.bot import Bot, FixHandler, decode
from burro.frontends.github.client import GitHubError, RateLimited
from burro.frontends.github.config import BotConfig
from burro.frontends.github.queue import Delivery, DeliveryQueue
from burro.protocol.errors import BurroError

log = logging.getLogger("burro.github")


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256`` is ``sha256=`` + HMAC-SHA256(secret, body), compared in
    constant time."""
    if not header or not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


class Worker:
    def __init__(self, bot: Bot, queue: DeliveryQueue) -> None:
        self.bot = bot
        self.queue = queue
        self.wake = asyncio.Event()

    async def run(self) -> None:
        recovered = self.queue.recover()
        if recovered:
            log.warning("resuming %d delivery(ies) cut off by a restart", recovered)
        while True:
            delivery = self.queue.claim()
            if delivery is None:
                due = self.queue.next_due()
                timeout = 30.0 if due is None else min(30.0, max(0.05, due - time.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout)
                self.wake.clear()
                continue
            await self.process(delivery)

    async def process(self, d: Delivery) -> None:
        cfg = self.bot.config
        try:
            note = await self.bot.handle(d.event, decode(d.payload))
        except RateLimited as exc:
            log.warning("delivery %s: %s", d.id, exc)
            self.queue.retry(
                d.id, delay_s=exc.retry_after_s, note=str(exc), max_attempts=cfg.max_attempts
            )
        except Exception as exc:  # the worker's boundary: one bad delivery never stops it
            # Review failures and I/O are worth another try; a GitHub 4xx, a bad target
            # or a malformed payload (KeyError, ValueError...) is not.
            if isinstance(exc, GitHubError):
                retry = exc.retryable
            elif isinstance(exc, BurroError):
                retry = exc.code != "bad_request"
            else:
                retry = isinstance(exc, OSError)
            note = f"{type(exc).__name__}: {exc}"
            log.warning(
                "delivery %s failed (attempt %d): %s",
                d.id,
                d.attempts,
                note,
                exc_info=not isinstance(exc, BurroError),
            )
            if retry:
                delay = cfg.retry_base_s * 2 ** (d.attempts - 1)
                self.queue.retry(d.id, delay_s=delay, note=note, max_attempts=cfg.max_attempts)
            else:
                self.queue.finish(d.id, state="failed", note=note)
        else:
            state = "ignored" if note.startswith("ignored") else "done"
            log.info("delivery %s: %s", d.id, note)
            self.queue.finish(d.id, state=state, note=note)


class BotService:
    """The bot as a service: ``routes()`` to mount in any Starlette/FastAPI app (e.g.
    ``app.mount("/github", Starlette(routes=svc.routes()))``) and ``run()`` to start in
    that app's lifespan (a mounted app's own lifespan does not run)."""

    def __init__(self, config: BotConfig, *, fix_handler: FixHandler | None = None) -> None:
        self.bot = Bot(config, fix_handler=fix_handler)
        self.queue = DeliveryQueue(config.state_dir / "queue.sqlite3")
        self.worker = Worker(self.bot, self.queue)

    async def run(self) -> None:
        await self.worker.run()

    def close(self) -> None:
        self.queue.close()

    def routes(self) -> list[Any]:
        from starlette.routing import Route

        return [
            # The only route, and it answers only signed deliveries (no open endpoint).
            Route("/webhook", self._webhook, methods=["POST"]),
        ]

    async def _webhook(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        def refuse(status: int, message: str) -> Any:
            return JSONResponse({"error": message}, status_code=status)

        limit = self.bot.config.max_payload_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return refuse(413, f"payload larger than {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return refuse(413, f"payload larger than {limit} bytes")
        sig = request.headers.get("x-hub-signature-256")
        if not sig:
            return refuse(401, "unsigned delivery (X-Hub-Signature-256 missing)")
        if not signature_ok(self.bot.config.webhook_secret, bytes(body), sig):
            return refuse(401, "bad signature")
        delivery = request.headers.get("x-github-delivery", "")
        event = request.headers.get("x-github-event", "")
        if not delivery or not event:
            return refuse(400, "X-GitHub-Delivery and X-GitHub-Event are required")
        try:
            json.loads(body)
        except ValueError:
            return refuse(400, "payload is not JSON")
        if not self.queue.add(delivery, event, bytes(body)):
            return refuse(409, f"delivery {delivery} was already received")
        if event == "ping":
            self.queue.finish(delivery, state="ignored", note="ping")
            return JSONResponse({"ok": True})
        self.worker.wake.set()
        return JSONResponse({"queued": delivery}, status_code=202)


def webhook_app(service: BotService) -> Any:
    """A standalone Starlette app: POST /webhook; the worker runs in its
    lifespan."""
    from starlette.applications import Starlette

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(service.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return Starlette(routes=service.routes(), lifespan=lifespan)


def mounted_app(service: BotService, prefix: str) -> Any:
    """The webhook at ``{prefix}/webhook`` for a host server (`burro serve`), which runs
    ``service.run()`` itself."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    return Starlette(routes=[Mount(prefix, routes=service.routes())])
