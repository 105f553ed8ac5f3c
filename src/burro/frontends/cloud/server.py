"""`burro serve` and `burro worker`: the processes, their children, and a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from burro.frontends.cloud.extensions import ExtensionFactory
from burro.frontends.cloud.notify import Notifier
from burro.frontends.cloud.paths import (
    TASK_QUEUE,
    ServeInfo,
    default_database_url,
    load_or_create_token,
    read_info,
    serve_dir,
    write_info,
)


class ServeError(Exception):
    """`burro serve` / `burro worker` cannot start; one line saying what to do."""


@dataclass(kw_only=True)
class ServeOptions:
    home: Path
    host: str = "127.0.0.1"
    port: int = 8765
    database_url: str | None = None
    temporal_address: str | None = None
    temporal_port: int = 7233
    workers: int = 4
    no_worker: bool = False
    heartbeat_s: float = 30.0
    task_queue: str = TASK_QUEUE
    notifier: Notifier | None = None  # [cloud.notify], or --notify
    # Other front ends served alongside (the GitHub bot, when configured).
    extensions: list[ExtensionFactory] = field(default_factory=list)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


async def _connect(address: str) -> Any:
    from temporalio.client import Client

    try:
        return await Client.connect(address, namespace="default")
    except Exception as exc:
        raise ServeError(f"cannot reach Temporal at {address}: {exc}") from exc


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    count = 0

    def on_signal() -> None:
        nonlocal count
        count += 1
        if count > 2:
            os._exit(130)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)


def make_worker(
    client: Any,
    store: Any,
    *,
    home: Path,
    slots: int,
    task_queue: str,
    notifier: Notifier | None = None,
) -> Any:
    from temporalio.worker import Worker

    from burro.frontends.cloud.runner import TurnRunner, activity_for, worker_id
    from burro.frontends.cloud.workflow import AttemptWorkflow

    wid = worker_id()
    runner = TurnRunner(
        store,
        work_root=serve_dir(home) / "work" / wid.replace(":", "-"),
        worker_id=wid,
        env=os.environ,
        notifier=notifier,
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[AttemptWorkflow],
        activities=[activity_for(runner)],
        max_concurrent_activities=slots,
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


class _Uvicorn:
    """uvicorn's server without its own signal handling (serve owns the signals)."""

    @staticmethod
    def build(app: Any, host: str, port: int) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Generator[None, None, None]:
                yield

        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=3,
        )
        return Server(config)


async def serve(opts: ServeOptions) -> int:
    from burro.frontends.cloud.api import ApiContext, create_app
    from burro.frontends.cloud.extensions import Dispatch, Extension, task_starter
    from burro.frontends.cloud.store import StoreError, open_store
    from burro.frontends.cloud.temporal_dev import TemporalDevServer, TemporalError, port_open

    if port_open(opts.host if opts.host != "0.0.0.0" else "127.0.0.1", opts.port):
        raise ServeError(f"port {opts.port} is already in use; pass --port PORT")
    sdir = serve_dir(opts.home)
    sdir.mkdir(parents=True, exist_ok=True)
    token = load_or_create_token(opts.home)
    db_url = opts.database_url or default_database_url(opts.home)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    temporal = None
    try:
        store = open_store(db_url)
    except StoreError as exc:
        raise ServeError(str(exc)) from exc
    address = opts.temporal_address
    if address is None:
        temporal = TemporalDevServer(sdir / "temporal.sqlite3", port=opts.temporal_port)
        try:
            await asyncio.to_thread(temporal.start)
        except TemporalError as exc:
            raise ServeError(str(exc)) from exc
        address = temporal.address
    tasks: list[asyncio.Task[Any]] = []
    extensions: list[Extension] = []
    worker = None
    worker_store = None
    try:
        client = await _connect(address)
        ctx = ApiContext(
            store=store,
            temporal=client,
            token=token,
            heartbeat_s=opts.heartbeat_s,
            task_queue=opts.task_queue,
        )
        app = create_app(ctx)
        extensions = [make(task_starter(ctx)) for make in opts.extensions]
        root = Dispatch(app, extensions) if extensions else app
        http = _Uvicorn.build(root, opts.host, opts.port)
        tasks.append(asyncio.create_task(http.serve(), name="http"))
        services = [
            asyncio.create_task(ext.run(), name=f"extension {ext.prefix}")
            for ext in extensions
            if ext.run is not None
        ]
        if not opts.no_worker:
            # Its own connection: the API's readers never wait behind a session's writes.
            worker_store = open_store(db_url)
            worker = make_worker(
                client,
                worker_store,
                home=opts.home,
                slots=opts.workers,
                task_queue=opts.task_queue,
                notifier=opts.notifier,
            )
            tasks.append(asyncio.create_task(worker.run(), name="worker"))
        while not http.started:
            if tasks[0].done():
                raise ServeError(f"the HTTP server did not start on {opts.host}:{opts.port}")
            await asyncio.sleep(0.05)
        url = f"http://{opts.host}:{opts.port}"
        write_info(
            opts.home,
            ServeInfo(
                url=url,
                temporal_address=address,
                database_url=db_url,
                pid=os.getpid(),
                task_queue=opts.task_queue,
                notify_url=opts.notifier.url if opts.notifier else None,
                notify_format=opts.notifier.format if opts.notifier else "json",
                notify_on=list(opts.notifier.on) if opts.notifier else [],
            ),
        )
        _say(f"burro serve: {url}")
        _say(f"token: {token}")
        _say(f"web: {app.state.web_sessions.mint_link(url)}  (sign-in link, works once)")
        _say(f"temporal: {address}  tasks: {db_url if opts.database_url else sdir}")
        for ext in extensions:
            _say(f"{ext.prefix}: served without the token (it authenticates on its own)")
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, *tasks, *services], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        _say("burro serve: stopping")
        for svc in services:
            svc.cancel()
        await asyncio.gather(*services, return_exceptions=True)
        from sse_starlette.sse import AppStatus

        AppStatus.should_exit = True  # open event streams end now
        http.should_exit = True
        if worker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.shutdown(), 15)
        await asyncio.wait(tasks, timeout=10)
    finally:
        for t in tasks:
            t.cancel()
        for ext in extensions:
            if ext.close is not None:
                ext.close()
        if temporal is not None:
            await asyncio.to_thread(temporal.stop)
        store.close()
        if worker_store is not None:
            worker_store.close()
    return 0


async def run_worker(
    home: Path,
    *,
    temporal_address: str | None,
    database_url: str | None,
    slots: int,
    task_queue: str | None = None,
    notify_url: str | None = None,
    notify_format: str | None = None,
) -> int:
    """Run tasks for a serve. Notifications: the flags, else this machine's
    `[cloud.notify]`, else the local serve's."""
    from burro.frontends.cloud.store import StoreError, open_store

    info = read_info(home)
    address = temporal_address or (info.temporal_address if info else None)
    db_url = database_url or (info.database_url if info else None)
    queue = task_queue or (info.task_queue if info else TASK_QUEUE)
    if address is None or db_url is None:
        raise ServeError(
            "no `burro serve` found in this $BURRO_HOME; start one, or pass "
            "--temporal-address HOST:PORT and --database-url URL"
        )
    stop = asyncio.Event()
    _stop_on_signals(stop)
    try:
        store = open_store(db_url)
    except StoreError as exc:
        raise ServeError(str(exc)) from exc
    try:
        client = await _connect(address)
        worker = make_worker(
            client,
            store,
            home=home,
            slots=slots,
            task_queue=queue,
            notifier=_worker_notifier(home, info, notify_url, notify_format),
        )
        run = asyncio.create_task(worker.run())
        _say(f"burro worker: {slots} slot(s) on {address}")
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([run, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker.shutdown(), 15)
        with contextlib.suppress(BaseException):
            await run
    finally:
        store.close()
    return 0


def _worker_notifier(
    home: Path, info: ServeInfo | None, url: str | None, fmt: str | None
) -> Notifier | None:
    from burro.config import ConfigError
    from burro.frontends.cloud.notify import ALL_KINDS, resolve

    local = None
    if info is not None and info.notify_url:
        local = Notifier(info.notify_url, info.notify_format, tuple(info.notify_on or ALL_KINDS))
    try:
        return resolve(home, os.environ, url=url, fmt=fmt, fallback=local)
    except ConfigError as exc:
        raise ServeError(str(exc)) from exc
