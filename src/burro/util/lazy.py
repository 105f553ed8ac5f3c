"""Names a package exports but loads on first use (PEP 562 module ``__getattr__``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(module: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """``module``'s ``__getattr__``: imports the module ``where[name]`` (a full path)
    when ``name`` is first asked for, and raises AttributeError for anything else."""

    def __getattr__(name: str) -> Any:
        source = where.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(source), name)

    return __getattr__
