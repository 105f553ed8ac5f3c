"""The ``burro`` command line. ``main`` (click's group, in ``_root``) loads on first use:
`burro exec` reads its options without click (``_fast``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from burro.util.lazy import lazy_exports

if TYPE_CHECKING:
    from burro.cli._root import main

__all__ = ["main"]
__getattr__ = lazy_exports(__name__, {"main": "burro.cli._root"})
