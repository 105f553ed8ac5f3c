"""Which commands are known to only read (safe without asking) and which destroy data.

Both work on one command's argv (no shell syntax); a ``bash -lc SCRIPT`` argv is judged
by the commands of its script.
"""

from __future__ import annotations

from burro.sandbox.shell_parse import all_word_runs, shell_script, split_command

_ALWAYS_SAFE = frozenset(
    [
        "cat",
        "cd",
        "cut",
        "echo",
        "expr",
        "false",
        "grep",
        "head",
        "id",
        "ls",
        "nl",
        "paste",
        "pwd",
        "rev",
        "seq",
        "stat",
        "tail",
        "tr",
        "true",
        "uname",
        "uniq",
        "wc",
        "which",
        "whoami",
        "numfmt",
        "tac",
        "basename",
        "dirname",
        "realpath",
        "readlink",
        "date",
        "printf",
        "du",
        "df",
        "file",
        "cmp",
        "comm",
        "diff",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "tree",
        "egrep",
        "fgrep",
    ]
)
_FIND_UNSAFE = frozenset(
    ["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"]
)
_RG_UNSAFE = frozenset({"--pre", "--hostname-bin", "--search-zip", "-z"})
_GIT_GLOBAL_UNSAFE = (
    "-c",
    "--config-env",
    "--exec-path",
    "--git-dir",
    "--namespace",
    "--super-prefix",
    "--work-tree",
    "--paginate",
)
_GIT_ARG_UNSAFE = ("--output", "--ext-diff", "--textconv", "--exec", "--paginate")
_GIT_READERS = frozenset({"status", "log", "diff", "show", "branch", "ls-files", "rev-parse"})
_GIT_BRANCH_LISTING = frozenset(
    ["--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"]
)


def _prog(argv: list[str]) -> str:
    return argv[0] if argv else ""


def _has_short_flag(args: list[str], letter: str) -> bool:
    return any(a.startswith("-") and not a.startswith("--") and letter in a[1:] for a in args)


def _git_split(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split ``git [global options] SUBCOMMAND args`` into (global options, rest)."""
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"):
            i += 2
        else:
            i += 1
    return argv[1:i], argv[i:]


def _git_is_safe(argv: list[str]) -> bool:
    globals_, rest = _git_split(argv)
    for opt in globals_:
        if opt == "-p" or opt.startswith(_GIT_GLOBAL_UNSAFE):
            return False
    if not rest or rest[0] not in _GIT_READERS:
        return False
    sub, args = rest[0], rest[1:]
    if any(a.startswith(_GIT_ARG_UNSAFE) for a in args):
        return False
    if sub == "branch":
        return all(a in _GIT_BRANCH_LISTING or a.startswith("--format=") for a in args)
    return True


def is_known_safe(argv: list[str]) -> bool:
    """True for commands that only read and run nothing else (auto-approved even under
    ``untrusted``). Programs given by path are not trusted (``./ls`` may be anything)."""
    script = shell_script(argv)
    if script is not None:
        segments = split_command(script)
        return segments is not None and all(is_known_safe(seg) for seg in segments)
    prog = _prog(argv)
    args = argv[1:]
    if "/" in prog:
        return False
    if prog in _ALWAYS_SAFE:
        if prog == "uniq":  # `uniq IN OUT` writes OUT
            return len([a for a in args if not a.startswith("-")]) <= 1
        return True
    if prog == "sort":
        return not any(a == "-o" or a.startswith(("--output", "-o")) for a in args)
    if prog == "base64":
        return not any(a == "-o" or a.startswith(("--output", "-o")) for a in args)
    if prog == "find":
        return not any(a in _FIND_UNSAFE for a in args)
    if prog == "rg":
        return not any(
            a.split("=", 1)[0] in _RG_UNSAFE or (a.startswith("-") and "z" in a[1:] and a[1] != "-")
            for a in args
        )
    if prog == "git":
        return _git_is_safe(argv)
    if prog == "sed":
        return _sed_print_only(args)
    return False


def _sed_print_only(args: list[str]) -> bool:
    """``sed -n 5p FILE`` / ``sed -n 3,9p FILE``: prints lines, nothing else."""
    if not 2 <= len(args) <= 3 or args[0] != "-n":
        return False
    script = args[1]
    body = script[:-1] if script.endswith("p") else ""
    parts = body.split(",")
    return 1 <= len(parts) <= 2 and all(p.isdigit() or p == "$" for p in parts)


# Options that take a value, for commands that merely run another command.
_WRAPPER_OPTS: dict[str, frozenset[str]] = {
    "sudo": frozenset(["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"]),
    "doas": frozenset(["-u", "-C"]),
    "env": frozenset(["-u", "-C", "-S", "--unset", "--chdir"]),
    "nice": frozenset({"-n"}),
    "ionice": frozenset(["-c", "-n", "-p"]),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset(["-i", "-o", "-e"]),
    "xargs": frozenset(
        [
            "-a",
            "-d",
            "-E",
            "-e",
            "-I",
            "-i",
            "-L",
            "-l",
            "-n",
            "-P",
            "-s",
            "--max-args",
            "--max-procs",
        ]
    ),
    "timeout": frozenset(["-s", "-k", "--signal", "--kill-after"]),
    "chrt": frozenset(),
    "setsid": frozenset(),
    "unbuffer": frozenset(),
}


def unwrap(argv: list[str]) -> list[str]:
    """Drop leading ``sudo``/``env``/``nice``/``timeout 5``/``xargs``… to find the command
    that really runs (paths reduced to their program name)."""
    out = list(argv)
    for _ in range(16):
        if not out:
            return out
        prog = out[0].rsplit("/", 1)[-1]
        opts = _WRAPPER_OPTS.get(prog)
        if opts is None:
            return [prog, *out[1:]]
        i = 1
        while i < len(out):
            a = out[i]
            if a == "--":
                i += 1
                break
            if prog == "env" and "=" in a and not a.startswith("-"):
                i += 1
                continue
            if not a.startswith("-") or a == "-":
                break
            i += 2 if a in opts else 1
        if prog == "timeout" and i < len(out):
            i += 1  # the duration
        if prog == "chrt" and i < len(out):
            i += 1  # the priority
        out = out[i:]
    return out


def _rm_is_dangerous(args: list[str]) -> bool:
    for a in args:
        if a == "--":
            break
        if a in ("--recursive", "--force", "--no-preserve-root"):
            return True
        if a.startswith("-") and not a.startswith("--") and set(a[1:]) & set("rRf"):
            return True
    return False


def _git_is_dangerous(argv: list[str]) -> bool:
    _, rest = _git_split(argv)
    if not rest:
        return False
    sub, args = rest[0], rest[1:]
    if sub == "reset":
        return "--hard" in args or "--merge" in args
    if sub == "clean":
        return "--force" in args or _has_short_flag(args, "f")
    if sub == "push":
        return (
            any(
                a in ("--force", "--mirror", "--delete", "--prune")
                or a.startswith("--force-with-lease")
                or (a.startswith("+") and len(a) > 1)
                for a in args
            )
            or _has_short_flag(args, "f")
            or _has_short_flag(args, "d")
        )
    if sub == "branch":
        return "-D" in args or ("--delete" in args and "--force" in args)
    if sub == "checkout":
        return "-f" in args or "--force" in args
    if sub == "stash":
        return bool(args) and args[0] in ("drop", "clear")
    return False


def is_dangerous(argv: list[str]) -> bool:
    """True for commands that destroy data beyond easy recovery: ``rm -r``/``-f``,
    ``git reset --hard``, ``git push --force``, ``git clean -f``, ``mkfs``, ``dd of=``,
    ``shred``, ``find -delete``…, also behind ``sudo``/``env``/``xargs``/``timeout``
    and inside ``bash -lc`` scripts (including substitutions)."""
    script = shell_script(argv)
    if script is not None:
        return any(is_dangerous(run) for run in all_word_runs(script))
    real = unwrap(argv)
    if not real:
        return False
    prog, args = real[0], real[1:]
    if shell_script(real) is not None:
        return is_dangerous(real)
    if prog == "rm":
        return _rm_is_dangerous(args)
    if prog == "git":
        return _git_is_dangerous(real)
    if prog.startswith("mkfs") or prog in ("shred", "wipefs", "fdisk", "sfdisk", "parted"):
        return True
    if prog == "dd":
        return any(a.startswith("of=") for a in args)
    if prog == "find":
        if "-delete" in args:
            return True
        for flag in ("-exec", "-execdir", "-ok", "-okdir"):
            if flag in args:
                start = args.index(flag) + 1
                tail = args[start:]
                end = next((k for k, a in enumerate(tail) if a in (";", "+")), len(tail))
                if is_dangerous(tail[:end]):
                    return True
    return False
