"""Piped stdin next to a prompt argument is context for the prompt (as in Codex), read
only when it is not a terminal, something is there, and without waiting on a writer that
never closes the pipe."""

from __future__ import annotations

import os
import select
from typing import TextIO

# How long a pipe may stay silent before burro stops waiting for more. The first wait
# lets `producer | burro exec "…"` start when the producer is still starting up.
FIRST_WAIT_S = 0.5
IDLE_WAIT_S = 2.0
MAX_BYTES = 8 * 1024 * 1024


def piped_context(stream: TextIO | None) -> str | None:
    """Text piped into ``stream``, or None (a terminal, closed, empty or silent)."""
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        fd = stream.fileno()
    except (OSError, ValueError):
        return None
    chunks: list[bytes] = []
    size = 0
    wait = FIRST_WAIT_S
    while size < MAX_BYTES:
        try:
            ready, _, _ = select.select([fd], [], [], wait)
        except (OSError, ValueError):
            break
        if not ready:
            break  # silent: a writer that keeps the pipe open without sending anything
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # end of input
        chunks.append(chunk)
        size += len(chunk)
        wait = IDLE_WAIT_S
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return text if text.strip() else None
