"""click options built from the shared definitions in ``_spec`` (defined once)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from burro.cli import _spec
from burro.cli._spec import SANDBOXES, Opt

Decorator = Callable[[Any], Any]


def click_option(opt: Opt) -> Decorator:
    """The click option for one definition."""
    kw: dict[str, Any] = {"help": opt.help or None, "hidden": opt.hidden}
    if opt.flag:
        kw["is_flag"] = True
    if opt.multiple:
        kw["multiple"] = True
    if opt.metavar is not None:
        kw["metavar"] = opt.metavar
    if opt.default is not None:
        kw["default"] = opt.default
    if opt.choices:
        kw["type"] = click.Choice(list(opt.choices))
    elif opt.number is int:
        kw["type"] = click.IntRange(min=opt.minimum)  # type: ignore[arg-type]
    elif opt.number is float:
        kw["type"] = click.FloatRange(min=opt.minimum, min_open=opt.min_open)
    return click.option(*opt.names, opt.dest, **kw)


def options(opts: Iterable[Opt]) -> Decorator:
    """One decorator for several options, listed in ``--help`` in the given order."""
    decorators = [click_option(o) for o in opts]

    def apply(f: Any) -> Any:
        for decorate in reversed(decorators):
            f = decorate(f)
        return f

    return apply


MODEL = click_option(_spec.MODEL)
PROFILE = click_option(_spec.PROFILE)
CONFIG = click_option(_spec.CONFIG)
CD = click_option(_spec.CD)
IMAGE = click_option(_spec.IMAGE)
OSS = click_option(_spec.OSS)
LOCAL_PROVIDER = click_option(_spec.LOCAL_PROVIDER)
FULL_AUTO = click_option(_spec.FULL_AUTO)

__all__ = [
    "CD",
    "CONFIG",
    "FULL_AUTO",
    "IMAGE",
    "LOCAL_PROVIDER",
    "MODEL",
    "OSS",
    "PROFILE",
    "SANDBOXES",
    "click_option",
    "options",
]
