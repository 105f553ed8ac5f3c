"""The sandbox policy (what a sandboxed command may write and reach) and the command env."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import msgspec

from burro.protocol.common import EnvInherit, SandboxMode

# A variable whose name contains one of these (any case) is a secret; AUTH inside AUTHOR
# (GIT_AUTHOR_NAME) is not. WEBHOOK: a webhook URL is a bearer credential by itself.
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "WEBHOOK")
# scheme://user:password@host anywhere in a value.
_CREDENTIAL_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:[^\s/?#@]+@")
# `inherit = "core"` passes only these (as Codex does on Unix).
CORE_ENV = (
    "PATH", "SHELL", "TMPDIR", "TEMP", "TMP", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "LOGNAME", "USER"
)  # fmt: skip


class SandboxPolicy(msgspec.Struct, kw_only=True, frozen=True):
    """What a sandboxed command may do.

    ``writable_roots`` and ``protected`` are absolute, symlink-resolved paths. ``protected``
    paths stay read-only even inside a writable root; they need not exist (a missing one is
    kept from being created). Every sandboxed command also gets a fresh private ``/tmp``.
    """

    mode: SandboxMode
    writable_roots: tuple[str, ...] = ()
    network_access: bool = False
    protected: tuple[str, ...] = ()
    # Invisible to commands in every sandboxed mode (burro's home: stored keys, the task
    # server's token and database, other sessions); roots inside stay usable.
    hidden: tuple[str, ...] = ()

    @property
    def network_disabled(self) -> bool:
        return self.mode != "danger-full-access" and not self.network_access


def _real(path: str | os.PathLike[str], *, base: Path) -> str:
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = base / p
    return os.path.realpath(p)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _gitdir_target(dotgit: Path) -> str | None:
    """For a ``.git`` *file* (worktree/submodule), the directory it points to."""
    try:
        text = dotgit.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.match(r"gitdir:\s*(.+)", text.strip())
    if not m:
        return None
    return _real(m.group(1).strip(), base=dotgit.parent)


def policy_for(
    mode: SandboxMode,
    *,
    cwd: str | os.PathLike[str],
    writable_roots: Iterable[str | os.PathLike[str]] = (),
    add_dirs: Iterable[str | os.PathLike[str]] = (),
    network_access: bool = False,
    burro_home: str | os.PathLike[str] | None = None,
) -> SandboxPolicy:
    """Build the policy for ``mode``: relative roots are taken from ``cwd``, symlinks resolved.

    workspace-write makes ``cwd``, ``writable_roots`` and ``add_dirs`` writable, keeping the
    ``.git`` of each root (and the git dir a ``.git`` file points to, when it lies in a root)
    and ``burro_home`` (when inside a root) read-only.
    """
    base = Path(os.path.realpath(Path(cwd).expanduser()))
    if mode == "danger-full-access":
        return SandboxPolicy(mode=mode, network_access=True)
    hidden = (_real(burro_home, base=base),) if burro_home is not None else ()
    if mode == "read-only":
        return SandboxPolicy(mode=mode, network_access=network_access, hidden=hidden)
    roots: list[str] = []
    for raw in (base, *writable_roots, *add_dirs):
        real = _real(raw, base=base)
        if real not in roots:
            roots.append(real)
    protected: list[str] = []

    def protect(path: str) -> None:
        if path not in protected and any(_inside(path, r) for r in roots):
            protected.append(path)

    for root in roots:
        dotgit = Path(root) / ".git"
        protect(os.path.realpath(dotgit) if dotgit.exists() else str(dotgit))
        if dotgit.is_file():
            target = _gitdir_target(dotgit)
            if target:
                protect(target)
    if burro_home is not None:
        protect(_real(burro_home, base=base))
    return SandboxPolicy(
        mode=mode,
        writable_roots=tuple(roots),
        network_access=network_access,
        protected=tuple(protected),
        hidden=hidden,
    )


def looks_secret(name: str, value: str) -> bool:
    """Whether a variable looks like a credential: its name contains KEY, SECRET, TOKEN,
    PASSWORD, PASSWD, CREDENTIAL, AUTH or WEBHOOK, or its value holds a URL with a password."""
    upper = name.upper().replace("AUTHOR", "")
    return any(word in upper for word in _SECRET_WORDS) or bool(_CREDENTIAL_URL.search(value))


def filter_env(
    env: Mapping[str, str],
    *,
    secret_vars: Iterable[str],
    keep: Iterable[str] = (),
    inherit: EnvInherit = "all",
    sandbox_name: str | None = None,
    network_disabled: bool = False,
) -> dict[str, str]:
    """The environment a command gets.

    ``inherit`` picks the starting set (``all`` of ``env``, the ``core`` variables, or
    ``none``); then the provider key variables (``secret_vars``) and everything that
    :func:`looks_secret` are removed. Names in ``keep`` are passed through regardless.
    ``BURRO_SANDBOX`` is set to ``sandbox_name`` ("bwrap", "seatbelt") when sandboxed and
    ``BURRO_SANDBOX_NETWORK_DISABLED=1`` when network is off."""
    kept = set(keep)
    secrets = set(secret_vars) - kept
    out: dict[str, str] = {}
    for name, value in env.items():
        if name in kept:
            out[name] = value
            continue
        if inherit == "none" or (inherit == "core" and name not in CORE_ENV):
            continue
        if name in secrets or looks_secret(name, value):
            continue
        out[name] = value
    out.pop("BURRO_SANDBOX", None)
    out.pop("BURRO_SANDBOX_NETWORK_DISABLED", None)
    if sandbox_name and sandbox_name != "none":
        out["BURRO_SANDBOX"] = sandbox_name
        if sandbox_name == "bwrap" and "TMPDIR" in out:
            # The sandbox's writable temp dir is its own fresh /tmp.
            out["TMPDIR"] = "/tmp"
    if network_disabled:
        out["BURRO_SANDBOX_NETWORK_DISABLED"] = "1"
    return out
