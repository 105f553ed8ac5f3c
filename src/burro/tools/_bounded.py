"""File-system work with a time bound, on a thread that never holds up shutdown.

A read can block for ever: ``/proc/kmsg``, a stalled NFS or FUSE mount, a file whose
lease holder never lets go. ``asyncio.to_thread`` would be unsafe for those: the loop
waits for its executor's threads when it closes, and the interpreter joins them at
exit, so one stuck read would keep burro from ever exiting. Each bounded call runs on
its own daemon thread instead; when the bound passes, the call is abandoned (the thread
stays blocked in the kernel until the read returns, and dies with the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

from burro.tools.base import ToolError

T = TypeVar("T")

DEFAULT_IO_TIMEOUT_S = 20.0


def _settle(fut: asyncio.Future[T], value: T | None, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)  # type: ignore[arg-type]


async def call_bounded(fn: Callable[[], T], *, timeout_s: float, what: str) -> T:
    """``fn()`` on a daemon thread; ToolError when it has not returned within ``timeout_s``.

    ``what`` names the operation for the message, e.g. ``"read_file: reading /x"``."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        value: T | None = None
        error: BaseException | None = None
        try:
            value = fn()
        except BaseException as exc:  # handed to the awaiting task, which re-raises it
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed while we were blocked
            loop.call_soon_threadsafe(_settle, fut, value, error)

    threading.Thread(target=work, name="burro-bounded-io", daemon=True).start()
    try:
        return await asyncio.wait_for(fut, timeout_s)
    except TimeoutError:
        raise ToolError(
            f"{what} did not finish within {timeout_s:g} s (is it a device, a pipe, or a "
            "file on a stalled network or FUSE mount?); the read was abandoned. Copy the "
            "part you need with a shell command and a timeout instead."
        ) from None
