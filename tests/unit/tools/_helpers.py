"""Shared bits for tool tests: a real ToolContext that records events, and /proc checks."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from burro.protocol.events import Event
from burro.tools.base import ToolContext

T = TypeVar("T")


def make_ctx(cwd: Path, **kwargs: Any) -> tuple[ToolContext, list[Event]]:
    events: list[Event] = []
    ctx = ToolContext(turn_id="turn-1", call_id="call-1", cwd=cwd, emit=events.append, **kwargs)
    return ctx, events


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def live_group_members(pgid: int) -> list[int]:
    """Pids of non-zombie processes whose process group is ``pgid`` (scans /proc)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the ")" that closes the command name: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            alive.append(int(entry))
    return alive


def wait_group_gone(pgid: int, *, within_s: float = 5.0) -> list[int]:
    """Poll until no live process of ``pgid`` remains; returns the survivors (empty = gone)."""
    deadline = time.monotonic() + within_s
    survivors = live_group_members(pgid)
    while survivors and time.monotonic() < deadline:
        time.sleep(0.05)
        survivors = live_group_members(pgid)
    return survivors
