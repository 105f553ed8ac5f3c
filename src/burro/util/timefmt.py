"""Human time phrases for listings."""

from __future__ import annotations

import time


def age(modified: float, *, now: float | None = None) -> str:
    """``3d ago``, ``5h ago``, ``12m ago`` or ``just now``."""
    delta = (now if now is not None else time.time()) - modified
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"{int(delta // size)}{unit} ago"
    return "just now"
