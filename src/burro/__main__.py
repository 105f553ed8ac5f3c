"""``python -m burro``: the same as the ``burro`` command."""

from burro.cli import main

main()
