"""How tool calls are shown to people: `bash -lc 'pytest -q'` reads as `pytest -q` (the
wrapper is how models spell a command line, not what the user wants to see), and JSON
arguments read as `a.py limit=20`."""

from __future__ import annotations

import json
import shlex

_SHELLS = frozenset({"bash", "sh", "zsh", "dash"})
_FLAGS = frozenset({"-c", "-lc", "-cl"})


def strip_shell_wrapper(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError:
        return command
    if len(argv) == 3 and argv[0].rsplit("/", 1)[-1] in _SHELLS and argv[1] in _FLAGS:
        return argv[2]
    return command


_MAIN_ARGS = ("file_path", "path", "dir_path", "pattern", "query", "url")


def tool_arguments(arguments: str) -> str:
    """`{"path": "a.py", "limit": 20}` reads as `a.py limit=20`."""
    try:
        args = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return " ".join(arguments.split())
    if not isinstance(args, dict):
        return " ".join(arguments.split())
    main = [str(args[k]) for k in _MAIN_ARGS if k in args]
    rest = [f"{k}={json.dumps(v)}" for k, v in args.items() if k not in _MAIN_ARGS]
    return " ".join([*main, *rest])
