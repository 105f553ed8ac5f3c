"""How tools are declared to a model."""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class ToolSpec(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A tool as offered to the model.

    ``kind == "function"``: ``parameters`` is a JSON Schema object.
    ``kind == "freeform"``: the model sends raw text; ``grammar`` (Lark) describes it.
    """

    name: str
    description: str
    kind: Literal["function", "freeform"] = "function"
    parameters: dict[str, Any] | None = None
    grammar: str | None = None
