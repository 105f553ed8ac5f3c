"""The options of `burro` and `burro exec`, defined once as data (no click here).

click builds its options from these (``_options.click_option``), and `burro exec` reads
them without loading click at all (``_fast``): click's import and command set-up are a
tenth of the time `burro exec` takes to reach its first model request."""

from __future__ import annotations

from typing import Any

import msgspec


class Opt(msgspec.Struct, frozen=True):
    """One option. ``names`` are ``-x`` (one letter) or ``--long``; ``dest`` is its
    keyword. A ``number`` option converts its text with ``int`` or ``float`` and must be
    above ``minimum`` (``min_open``) or at least it; ``choices`` limits a text option."""

    names: tuple[str, ...]
    dest: str
    help: str = ""
    flag: bool = False
    multiple: bool = False
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    number: type[int] | type[float] | None = None
    minimum: int | float | None = None
    min_open: bool = False
    default: str | None = None
    hidden: bool = False


SANDBOXES = ("read-only", "workspace-write", "danger-full-access")
APPROVALS = ("untrusted", "on-failure", "on-request", "never")

MODEL = Opt(("-m", "--model"), "model", "Model to use, e.g. gpt-5.5.")
PROFILE = Opt(("-p", "--profile"), "profile", "Configuration profile from config.toml.")
CONFIG = Opt(
    ("-c", "--config"),
    "overrides",
    'Override a config key (TOML value), e.g. -c model="gpt-5.5".',
    multiple=True,
    metavar="KEY=VALUE",
)
CD = Opt(("-C", "--cd"), "cd", "Working directory.", metavar="DIR")
IMAGE = Opt(
    ("-i", "--image"), "images", "Attach an image (PNG, JPEG…).", multiple=True, metavar="FILE"
)
OSS = Opt(("--oss",), "oss", "Use a local OpenAI-compatible server (ollama by default).", flag=True)
LOCAL_PROVIDER = Opt(
    ("--local-provider",), "local_provider", "Local provider for --oss (ollama, lmstudio…).",
    metavar="NAME",
)  # fmt: skip
FULL_AUTO = Opt(
    ("--full-auto",), "full_auto", "workspace-write sandbox, ask only on request.", flag=True
)


def _sandbox(default_help: str) -> Opt:
    return Opt(("-s", "--sandbox"), "sandbox", default_help, choices=SANDBOXES)


TUI_SANDBOX = _sandbox("Where commands may write (default: workspace-write in a git repository).")
APPROVAL = Opt(
    ("-a", "--ask-for-approval"),
    "approval",
    "When to ask before running a command (default: on-request).",
    choices=APPROVALS,
)

# `burro exec`, in the order `--help` lists them.
EXEC: tuple[Opt, ...] = (
    Opt(
        ("--json", "--experimental-json"),
        "json_mode",
        "Print one JSON event per line on stdout.",
        flag=True,
    ),
    MODEL,
    PROFILE,
    CONFIG,
    CD,
    Opt(
        ("--skip-git-repo-check",),
        "skip_git_repo_check",
        "Allow running outside a git repository.",
        flag=True,
    ),
    Opt(
        ("-o", "--output-last-message"),
        "output_last_message",
        "Write the final message to FILE.",
        metavar="FILE",
    ),
    Opt(
        ("--output-schema",),
        "output_schema",
        "JSON Schema the final message must follow.",
        metavar="FILE",
    ),
    IMAGE,
    Opt(("--ephemeral",), "ephemeral", "Do not write a session file.", flag=True),
    OSS,
    LOCAL_PROVIDER,
    _sandbox("Where commands may write (default: read-only)."),
    FULL_AUTO,
    Opt(
        ("--color",),
        "color",
        "Colour on stderr (auto: in a terminal, unless NO_COLOR is set).",
        choices=("always", "never", "auto"),
        default="auto",
    ),
    Opt(("--last",), "last", "With `resume`: continue the newest session.", flag=True),
    Opt(("--all",), "all_dirs", "With `resume --last`: look in every directory.", flag=True),
    Opt(
        ("--max-turns",),
        "max_turns",
        "Stop after this many model requests.",
        number=int,
        minimum=1,
    ),
    Opt(("--max-tokens",), "max_tokens", "Stop after this many tokens.", number=int, minimum=1),
    Opt(
        ("--max-minutes",),
        "max_minutes",
        "Stop after this many minutes.",
        number=float,
        minimum=0,
        min_open=True,
    ),
    Opt(
        ("--completion-nudges",),
        "completion_nudges",
        "Ask the model to continue (at most N times) when it stops with plan steps open.",
        number=int,
        minimum=0,
    ),
    Opt(("--thread-source",), "thread_source", hidden=True),
    Opt(("--cyber-access-program",), "cyber_access_program", hidden=True),
    Opt(("--enable",), "enable", multiple=True, hidden=True),
    Opt(("--disable",), "disable", multiple=True, hidden=True),
    Opt(
        ("--add-dir",),
        "add_dir",
        "Another writable directory (workspace-write).",
        multiple=True,
        metavar="DIR",
    ),
    Opt(("--ignore-user-config",), "ignore_user_config", flag=True, hidden=True),
    Opt(("--ignore-rules",), "ignore_rules", flag=True, hidden=True),
    Opt(
        ("--dangerously-bypass-approvals-and-sandbox", "--yolo"),
        "yolo",
        "No sandbox at all (danger-full-access); only inside an external sandbox.",
        flag=True,
    ),
)


def merge_options(parent: dict[str, Any] | None, own: dict[str, Any]) -> dict[str, Any]:
    """Options given before the subcommand (or the prompt) and after it: after wins;
    repeated ones (``-c``, ``-i``) add up, the earlier first. A value the parent lacks
    is kept even when falsy (``--completion-nudges 0``)."""
    kw = dict(parent or {})
    for key, value in own.items():
        if key in ("overrides", "images"):
            kw[key] = (*(kw.get(key) or ()), *value)
        elif value or key not in kw:
            kw[key] = value
    return kw
