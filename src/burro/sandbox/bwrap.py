"""Linux sandbox: the bubblewrap command line for a SandboxPolicy."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from burro.sandbox import launch
from burro.sandbox.errors import BWRAP_MISSING, SandboxUnavailable
from burro.sandbox.policy import SandboxPolicy

# Only these absolute paths are trusted: a `bwrap` found through PATH (or in the
# workspace) could be a file the sandboxed model wrote itself.
BWRAP_PATHS = ("/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap")


def find_bwrap(candidates: Sequence[str] = BWRAP_PATHS) -> str | None:
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class BwrapSandbox:
    """Runs commands under bubblewrap as ``policy`` says.

    Layout: the whole filesystem read-only, a fresh /proc and /dev, a fresh private
    tmpfs on /tmp (workspace-write), each writable root bound read-write, then every
    protected path bound read-only on top. New user and PID namespaces always; a new
    (empty) network namespace when network is off; all capabilities dropped (matters
    when burro runs as root); a new session so the command cannot push keystrokes into
    burro's terminal; and the sandbox dies with burro.

    Kernel knobs: ``/proc/sys`` and ``/proc/sysrq-trigger`` are bound read-only over the
    fresh /proc (bubblewrap's own cover skips ``/proc/sys`` when it runs as root).

    When burro is root the command runs as an unprivileged host user in an id-mapped view
    of the file system, and a seccomp filter stops it from setting setuid/setgid bits;
    with the network off the filter also refuses Unix-domain sockets (see ``launch`` and
    ``seccomp``).

    A protected path that does not exist yet (say the ``.git`` of a folder that is not
    a repository) gets an empty read-only tmpfs mounted on it, so creating it fails.
    bubblewrap 0.8 has to create the mount point on the real filesystem, so an empty
    ``.git`` directory is left behind; git ignores an empty ``.git`` directory when it
    looks for a repository, and ``git init`` later works on it as usual.
    """

    def __init__(
        self,
        policy: SandboxPolicy,
        *,
        bwrap_path: str | None = None,
        drop_root: bool | None = None,
    ) -> None:
        """``drop_root`` (default: whether burro runs as root) runs commands as the
        unprivileged sandbox user and forbids setuid/setgid bits."""
        self.policy = policy
        self._pending: launch.PendingMirror | None = None
        self._mirror: launch.Mirror | None = None
        self._filter: bytes | None = None
        if policy.mode == "danger-full-access":
            self.name = "none"
            self._bwrap = ""
            return
        found = bwrap_path if bwrap_path is not None else find_bwrap()
        if not found or not (os.path.isfile(found) and os.access(found, os.X_OK)):
            raise SandboxUnavailable(BWRAP_MISSING.replace("workspace-write", policy.mode))
        self.name = "bwrap"
        self._bwrap = found
        as_root = launch.running_as_root() if drop_root is None else drop_root
        if as_root:
            self._pending = _start_root_mirror(policy)
        if as_root or policy.network_disabled:
            from burro.sandbox.seccomp import build_filter

            self._filter = build_filter(block_unix=policy.network_disabled, block_setid=as_root)

    def ready(self) -> None:
        """Wait for the id-mapped view (root only) whose helper the constructor started;
        SandboxUnavailable when it could not be built."""
        if self._pending is not None and self._mirror is None:
            self._mirror = _check_root_mirror(self.policy, self._pending.result())

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        if self.policy.mode == "danger-full-access":
            return list(argv)
        self.ready()
        out = launch.prefix(mirror=self._mirror, filter_program=self._filter)
        out += [self._bwrap, *self.flags(cwd=cwd)]
        if self._filter is not None:
            out += ["--seccomp", str(launch.SECCOMP_FD)]
        return [*out, "--", *argv]

    def flags(self, *, cwd: Path) -> list[str]:
        policy = self.policy
        out = [
            "--new-session",
            "--die-with-parent",
            "--unshare-user",
            *(("--uid", "0", "--gid", "0") if self._pending is not None else ()),
            "--unshare-pid",
            "--unshare-ipc",
        ]
        if policy.network_disabled:
            out.append("--unshare-net")
        out += ["--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        out += ["--ro-bind", "/proc/sys", "/proc/sys"]
        out += ["--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"]
        writable = policy.mode == "workspace-write"
        roots = [r for r in policy.writable_roots if os.path.isdir(r)] if writable else []
        # (Under workspace-write the fresh /tmp already hides whatever lies in the host's.)
        hidden = [
            h for h in policy.hidden if os.path.isdir(h) and not (writable and _inside(h, "/tmp"))
        ]
        for path in hidden:  # an empty folder in its place (made read-only below)
            out += ["--tmpfs", path]
        if writable:
            out += ["--tmpfs", "/tmp"]
        # Parents before children, so a nested root is bound on top of its parent.
        for root in sorted(roots, key=lambda r: r.count("/")):
            out += ["--bind", root, root]
        for path in policy.protected if writable else ():
            if not any(_inside(path, r) for r in roots):
                continue
            if os.path.lexists(path):
                out += ["--ro-bind", path, path]
            elif os.path.isdir(os.path.dirname(path)):
                out += ["--tmpfs", path, "--remount-ro", path]
        where = os.path.realpath(cwd)
        if any(_inside(where, h) for h in policy.hidden) and not any(
            _inside(where, r) for r in roots
        ):
            out += ["--ro-bind", where, where]  # a read-only task inside burro's home
        elif writable and _inside(where, "/tmp") and not any(_inside(where, r) for r in roots):
            # The fresh /tmp hides the host's; keep a read-only view of the working folder.
            out += ["--ro-bind", where, where]
        for path in hidden:  # after the binds inside it have made their mount points
            out += ["--remount-ro", path]
        out += ["--chdir", where]
        return out


def _start_root_mirror(policy: SandboxPolicy) -> launch.PendingMirror:
    """Start the id-mapped view for a root burro: the first writable root's owner (the
    working folder) becomes the sandbox user; in read-only mode, root."""
    owner = (0, 0)
    if policy.mode == "workspace-write" and policy.writable_roots:
        if not os.path.isdir(policy.writable_roots[0]):
            raise SandboxUnavailable(
                f"the working folder {policy.writable_roots[0]} does not exist"
            )
        st = os.stat(policy.writable_roots[0])
        owner = (st.st_uid, st.st_gid)
    return launch.start_mirror(*owner)


def _check_root_mirror(policy: SandboxPolicy, mirror: launch.Mirror) -> launch.Mirror:
    """Every writable root must sit on a file system that can be id-mapped, or the
    sandbox could not write it."""
    for root in policy.writable_roots if policy.mode == "workspace-write" else ():
        if os.path.isdir(root) and not mirror.idmapped(root):
            raise SandboxUnavailable(
                f"burro runs as root, and the file system holding {root} cannot be id-mapped "
                "for the sandbox's unprivileged user; run burro as a normal user, or drop "
                "that writable root"
            )
    return mirror
