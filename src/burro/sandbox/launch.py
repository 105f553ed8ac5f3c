"""What runs in front of bubblewrap: the unprivileged user when burro is root, and the
file descriptor that carries the seccomp filter.

Root: bubblewrap's user namespace would map the sandbox's uid 0 to the host's uid 0, and
the kernel checks some knobs (``/proc/sys``, ``sysrq-trigger``, sockets owned by root)
against that host uid, not against capabilities. So when burro is root, bubblewrap itself
runs as ``SANDBOX_UID`` inside an id-mapped view of the file system (see
``_mirror_helper``): there the workspace owner's files appear to belong to that uid, so the
workspace stays writable, and what it creates is stored as the owner's. The view is built
once per process by a short helper; its mount namespace stays alive through a file
descriptor burro holds, and each command enters it with ``nsenter``.

The filter: bubblewrap reads it from an inherited descriptor (``--seccomp FD``). The
command is spawned by code that knows only argv, so the program sits in a sealed memfd
held by burro, and ``/bin/sh`` opens ``/proc/<burro>/fd/<memfd>`` as fd 3 before it execs
the rest. A closed or reused descriptor makes bubblewrap fail, never run unfiltered.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import msgspec

from burro.sandbox.errors import SandboxUnavailable

# Host uid/gid a sandboxed command runs as when burro is root: far from the ranges
# distributions hand out (system, users, systemd dynamic users, subuid blocks).
SANDBOX_UID = SANDBOX_GID = 2_000_000_000
NSENTER_PATHS = ("/usr/bin/nsenter", "/bin/nsenter")
SECCOMP_FD = 3
_SH = "/bin/sh"
_OPEN_FD3 = 'exec "$@" 3<"$0"'
_HELPER = Path(__file__).with_name("_mirror_helper.py")

_ROOT_HELP = (
    "run burro as a normal user, or use -s danger-full-access if this machine is disposable"
)


class Mirror(msgspec.Struct, frozen=True):
    """The id-mapped mount namespace (``ns_path``), which mount points it id-maps, and
    the nsenter that enters it."""

    ns_path: str
    mounts: tuple[tuple[str, bool], ...]
    nsenter: str = NSENTER_PATHS[0]

    def idmapped(self, path: str) -> bool:
        """Whether ``path`` lies on an id-mapped mount (the deepest mount holding it)."""
        best, mapped = "", False
        for point, is_mapped in self.mounts:
            inside = path == point or path.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(best):
                best, mapped = point, is_mapped
        return mapped


class PendingMirror:
    """The helper that builds a Mirror, started but not yet waited for: it runs on its
    own while burro goes on starting (loading the HTTP stack), and ``result()`` collects
    it. Every user of the view waits for it first, and a failure is raised there."""

    def __init__(self, owner_uid: int, owner_gid: int) -> None:
        self._nsenter = find_nsenter()
        argv = [sys.executable, "-I", "-S", str(_HELPER)]
        argv += [str(owner_uid), str(owner_gid), str(SANDBOX_UID), str(SANDBOX_GID)]
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._mirror: Mirror | None = None
        self._error = ""

    def result(self) -> Mirror:
        """The mirror (waits for the helper once); SandboxUnavailable when it failed."""
        if self._proc is not None:
            proc, self._proc = self._proc, None
            self._mirror = self._collect(proc)
        if self._mirror is None:
            raise SandboxUnavailable(
                "burro runs as root and could not give the sandbox an unprivileged user "
                f"({self._error}); " + _ROOT_HELP
            )
        return self._mirror

    def _collect(self, proc: subprocess.Popen[bytes]) -> Mirror | None:
        assert proc.stdin is not None and proc.stdout is not None
        mounts: list[tuple[str, bool]] = []
        self._error = "the helper stopped early"
        mirror: Mirror | None = None
        for raw in proc.stdout:
            kind, _, rest = raw.rstrip(b"\n").decode("utf-8", "surrogateescape").partition("\t")
            if kind in ("idmap", "plain"):
                mounts.append((rest, kind == "idmap"))
                continue
            if kind == "error":
                self._error = rest
            elif kind == "ready":
                fd = os.open(f"/proc/{proc.pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
                ns_path = f"/proc/{os.getpid()}/fd/{fd}"
                mirror = Mirror(ns_path=ns_path, mounts=tuple(mounts), nsenter=self._nsenter)
            break
        proc.stdin.close()  # the helper exits; the namespace lives on through ``fd``
        proc.stdout.close()
        if mirror is not None:
            # Reaped off the main thread: Popen.wait with a timeout polls in sleeps.
            threading.Thread(target=proc.wait, name="burro-mirror-reaper", daemon=True).start()
            return mirror
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return None


_mirrors: dict[tuple[int, int, int], PendingMirror] = {}
_memfds: dict[tuple[int, bytes], str] = {}


def running_as_root() -> bool:
    return os.geteuid() == 0


def find_nsenter() -> str:
    for path in NSENTER_PATHS:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise SandboxUnavailable(
        "burro runs as root and needs nsenter (util-linux) to drop to an unprivileged user "
        f"in the sandbox: `apt-get install util-linux`, or {_ROOT_HELP}"
    )


def start_mirror(owner_uid: int, owner_gid: int) -> PendingMirror:
    """The id-mapped namespace for files owned by ``owner_uid:owner_gid``: its helper is
    started once per process (and owner); ``result()`` waits for it."""
    key = (os.getpid(), owner_uid, owner_gid)
    if key not in _mirrors:
        _mirrors[key] = PendingMirror(owner_uid, owner_gid)
    return _mirrors[key]


def filter_path(program: bytes) -> str:
    """A /proc path that opens a sealed, read-only copy of ``program``."""
    key = (os.getpid(), program)
    if key not in _memfds:
        fd = os.memfd_create("burro-seccomp", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.write(fd, program)
        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
        _memfds[key] = f"/proc/{os.getpid()}/fd/{fd}"
    return _memfds[key]


def prefix(*, mirror: Mirror | None, filter_program: bytes | None) -> list[str]:
    """The argv that goes in front of ``bwrap``: open the filter as fd 3, enter the mirror
    namespace as the unprivileged user. Empty when neither is needed."""
    out: list[str] = []
    if filter_program is not None:
        out += [_SH, "-c", _OPEN_FD3, filter_path(filter_program)]
    if mirror is not None:
        out += [mirror.nsenter, f"--mount={mirror.ns_path}"]
        out += ["-S", str(SANDBOX_UID), "-G", str(SANDBOX_GID), "--"]
    return out
