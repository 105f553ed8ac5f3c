"""Start-up without the cyclic garbage collector.

Starting burro allocates tens of thousands of objects (modules, classes, the config), and
nearly all of them live until exit, so collections during start-up find nothing to free
and cost several milliseconds. The ``burro`` command turns the collector off first thing
(``burro._entry``); each front end calls :func:`started` once its session runs, which
moves what start-up built out of the collector's way (``gc.freeze``) and turns it back on.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def started() -> None:
    """Start-up is over: collect normally from here (a no-op when it never paused)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
