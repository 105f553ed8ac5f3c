"""`burro exec ARGS` without loading click.

click's import and command set-up are about a tenth of the time `burro exec` takes to
reach its first model request. The options are read here from the same definitions
click uses (``_spec``), with click's rules: ``--name VALUE``, ``--name=VALUE``, ``-xVALUE``,
``-x VALUE``, options anywhere among the arguments, everything after ``--`` an argument.
Anything this reader is not sure of (help, an unknown or malformed option, a value click
would reject, a usage error) is left to click, which reports it as it always has:
``parse`` returns None and the caller falls back. A test checks that every argument list
this reader accepts gives exactly click's values."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

from burro.cli._spec import EXEC, Opt

Parsed = tuple[tuple[str, ...], dict[str, Any]]


def parse(spec: Sequence[Opt], argv: Sequence[str]) -> Parsed | None:
    """(positional arguments, option values by ``dest``) as click gives them, or None
    when click should read ``argv`` itself."""
    by_name = {name: opt for opt in spec for name in opt.names}
    given: dict[str, Any] = {}
    positional: list[str] = []
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positional += rest
            break
        if len(arg) < 2 or not arg.startswith("-"):
            positional.append(arg)
        elif arg.startswith("--"):
            name, eq, explicit = arg.partition("=")
            opt = by_name.get(name)
            if opt is None or (opt.flag and eq) or not (opt.flag or eq or rest):
                return None
            value = True if opt.flag else explicit if eq else rest.pop(0)
            if not _store(opt, value, given):
                return None
        elif not _short(arg, rest, by_name, given):
            return None
    values: dict[str, Any] = {}
    for opt in spec:
        if opt.dest in given:
            found = given[opt.dest]
            values[opt.dest] = tuple(found) if opt.multiple else found
        else:
            values[opt.dest] = () if opt.multiple else False if opt.flag else opt.default
    return tuple(positional), values


def _short(arg: str, rest: list[str], by_name: dict[str, Opt], given: dict[str, Any]) -> bool:
    """``-abc`` (flags), ``-xVALUE`` or ``-x VALUE``; False when click must judge it."""
    for i, letter in enumerate(arg[1:], start=2):
        opt = by_name.get("-" + letter)
        if opt is None:
            return False
        if opt.flag:
            if not _store(opt, True, given):
                return False
            continue
        if i < len(arg):
            return _store(opt, arg[i:], given)
        return bool(rest) and _store(opt, rest.pop(0), given)
    return True


def _store(opt: Opt, raw: str | bool, given: dict[str, Any]) -> bool:
    value: Any = raw
    if isinstance(raw, str):
        if opt.choices and raw not in opt.choices:
            return False
        if opt.number is not None:
            try:
                value = opt.number(raw)
            except ValueError:
                return False
            if opt.minimum is not None and (
                value <= opt.minimum if opt.min_open else value < opt.minimum
            ):
                return False
    if opt.multiple:
        given.setdefault(opt.dest, []).append(value)
    else:
        given[opt.dest] = value
    return True


def exec_without_click(argv: Sequence[str]) -> None:
    """Run `burro exec` for ``argv`` (what follows ``exec``) and exit, when this reader
    can; returns at once (nothing done) when click must take over."""
    if any(key.startswith("_BURRO") and key.endswith("_COMPLETE") for key in os.environ):
        return  # shell completion is click's
    from burro.cli._exec_body import run, usage_problem

    parsed = parse(EXEC, argv)
    if parsed is None:
        return
    args, kw = parsed
    if usage_problem(args, kw) is not None:
        return
    json_mode = bool(kw.pop("json_mode"))
    try:
        run(args, json_mode, kw)
    except (EOFError, KeyboardInterrupt):  # as click's standalone mode ends them
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # Output went to a closed pipe (`burro exec … | head -1`): exit quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(devnull, stream.fileno())
        sys.exit(1)
