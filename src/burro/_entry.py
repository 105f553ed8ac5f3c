"""The ``burro`` console script (``python -m burro`` too)."""

from __future__ import annotations


def main() -> None:
    import sys

    from burro.util.startup import pause

    pause()  # turned back on by the front end once its session runs (util.startup)
    if sys.argv[1:2] == ["exec"]:
        from burro.cli._fast import exec_without_click

        exec_without_click(sys.argv[2:])  # returns when click must read the arguments
    from burro.cli import main as cli

    cli()
