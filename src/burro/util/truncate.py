"""Cap long text for a model: keep the head and the tail, cut the middle with a marker."""

from __future__ import annotations

__all__ = ["count_lines", "format_capped_output", "truncate_middle"]


def count_lines(text: str) -> int:
    """Number of lines as a person counts them (a trailing newline ends the last line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _marker(removed_bytes: int, removed_lines: int) -> bytes:
    return f"\n…[{removed_bytes} bytes, {removed_lines} lines truncated]…\n".encode()


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte < 0xC0


def truncate_middle(text: str, *, max_bytes: int) -> tuple[str, int]:
    """Fit ``text`` into ``max_bytes`` UTF-8 bytes, keeping its head and tail.

    Returns ``(result, removed_bytes)``; ``removed_bytes`` is 0 when nothing was cut.
    The marker counts against the budget when the budget can hold it; the budget left
    is split in half (head gets the floor) and both cuts fall on character boundaries.
    """
    data = text.encode("utf-8", "surrogatepass")
    total = len(data)
    if total <= max_bytes:
        return text, 0
    budget = max(max_bytes, 0)
    # Size the marker with the worst case numbers so the result never exceeds the budget.
    worst = len(_marker(total, total))
    keep = budget - worst if budget > worst else 0
    head_end = keep // 2
    tail_start = total - (keep - head_end)
    while head_end > 0 and _is_continuation(data[head_end]):
        head_end -= 1
    while tail_start < total and _is_continuation(data[tail_start]):
        tail_start += 1
    removed = tail_start - head_end
    removed_lines = data.count(b"\n", head_end, tail_start)
    out = data[:head_end] + _marker(removed, removed_lines) + data[tail_start:]
    return out.decode("utf-8", "surrogatepass"), removed


def format_capped_output(text: str, *, max_bytes: int) -> str:
    """``text`` if it fits, else ``Total output lines: N`` + a blank line + the capped text."""
    capped, removed = truncate_middle(text, max_bytes=max_bytes)
    if not removed:
        return text
    return f"Total output lines: {count_lines(text)}\n\n{capped}"
