"""The ``burro`` console script (``python -m burro`` too)."""

from __future__ import annotations


def main() -> None:
    from burro.util.startup import pause

    pause()  # turned back on by the front end once its session runs (util.startup)
    from burro.cli import main as cli

    cli()
