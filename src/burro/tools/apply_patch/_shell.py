"""Recognise a shell command that is only an apply_patch invocation."""

from __future__ import annotations

import os
import re

_NAMES = ("apply_patch", "applypatch")
_SHELLS = ("bash", "zsh", "sh")
_SHELL_FLAGS = ("-lc", "-c", "-cl")
_HEAD = re.compile(
    r"""^\s*
    (?:cd\s+(?P<dir>'[^']*'|"[^"\\$`]*"|[^\s;&|'"<>`$]+)\s*&&\s*)?
    (?:apply_patch|applypatch)\s*<<(?P<dash>-?)\s*
    (?P<q>['"]?)(?P<tag>[A-Za-z_][A-Za-z0-9_]*)(?P=q)\s*$""",
    re.VERBOSE,
)


def _from_script(script: str) -> tuple[str, str | None] | None:
    head, sep, rest = script.partition("\n")
    match = _HEAD.match(head)
    if match is None or not sep:
        return None
    tag = match.group("tag")
    lines = rest.split("\n")
    for k, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if match.group("dash"):
            line = line.lstrip("\t")
        if line == tag:
            if any(tail.strip() for tail in lines[k + 1 :]):
                return None  # more commands after the heredoc: not ours to intercept
            body = "".join(f"{ln}\n" for ln in lines[:k])
            workdir = match.group("dir")
            if workdir is not None and workdir[:1] in ("'", '"'):
                workdir = workdir[1:-1]
            return body, workdir
    return None


def extract_shell_patch(command: str | list[str]) -> tuple[str, str | None] | None:
    """(patch text, workdir or None) if ``command`` only runs apply_patch, else None.

    Recognised: ``["apply_patch", PATCH]`` (or ``applypatch``), ``["bash", "-lc", SCRIPT]``
    (also zsh/sh, ``-c``) and a bare SCRIPT, where SCRIPT is exactly
    ``[cd DIR &&] apply_patch <<'EOF'`` + patch lines + ``EOF``."""
    if isinstance(command, str):
        return _from_script(command)
    if len(command) == 2 and os.path.basename(command[0]) in _NAMES:
        return command[1], None
    if len(command) == 3 and os.path.basename(command[0]) in _SHELLS and command[1] in _SHELL_FLAGS:
        return _from_script(command[2])
    return None
