"""Token estimates for deciding when to compact. The provider's reported usage is the
ground truth; only items appended since the last response are estimated."""

from __future__ import annotations

import msgspec

from burro.protocol.items import Item
from burro.util.tokens import count_tokens


def rough_tokens(items: list[Item]) -> int:
    """bytes/4: cheap upper-ish bound, used to decide whether an exact count is needed."""
    return sum(len(msgspec.json.encode(i)) for i in items) // 4


def exact_tokens(items: list[Item]) -> int:
    return sum(count_tokens(msgspec.json.encode(i).decode("utf-8")) for i in items)


def estimate_context(
    *, reported: int, new_items: list[Item], limit: int, exact_above: float = 0.7
) -> int:
    """Tokens in context: the last reported request+response total plus new items.

    The exact (tiktoken) count is used only when the rough figure comes near the limit."""
    rough = rough_tokens(new_items)
    if reported + rough < limit * exact_above:
        return reported + rough
    return reported + exact_tokens(new_items)
