"""Piped stdin next to a prompt argument is context for the prompt (as in Codex), read
only when it is not a terminal, something is there, and without waiting on a writer that
never closes the pipe."""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from typing import TextIO

# How long a pipe may stay silent before burro stops waiting for more. The first wait
# lets `producer | burro exec "…"` start when the producer is still starting up.
FIRST_WAIT_S = 0.5
IDLE_WAIT_S = 2.0
MAX_BYTES = 8 * 1024 * 1024


def piped_context(stream: TextIO | None, *, warn: Callable[[str], None]) -> str | None:
    """Text piped into ``stream``, or None (a terminal, closed, empty or silent). A pipe
    that stays open without sending, or stops halfway, is not waited for: ``warn`` says
    what was left out, so nothing is dropped silently."""
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
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], wait)
        except (OSError, ValueError):
            break
        if not ready:  # a writer that keeps the pipe open without sending
            if chunks:
                warn(f"stdin stopped sending before it ended; using the first {size} bytes")
            else:
                warn(
                    f"stdin is open but sent nothing within {FIRST_WAIT_S:g} s; ignoring it "
                    "(use `< /dev/null` to say there is none)"
                )
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # end of input
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BYTES:
            warn(f"stdin is larger than {MAX_BYTES // (1024 * 1024)} MiB; using the first part")
            break
        wait = IDLE_WAIT_S
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return text if text.strip() else None
