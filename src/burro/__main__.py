"""``python -m burro``: the same as the ``burro`` command."""

from burro._entry import main

main()
