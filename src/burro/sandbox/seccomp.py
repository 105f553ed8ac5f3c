"""A seccomp filter for bubblewrap's ``--seccomp FD``, as classic-BPF bytes built here.

Two independent blocks:

- ``block_unix``: ``socket(AF_UNIX, ...)`` fails with EPERM, so a command with the network
  off cannot reach a Unix-domain socket (docker.sock, ssh-agent, D-Bus, a socket file in
  the workspace). ``socketpair`` stays allowed: it only links two ends the process owns.
- ``block_setid``: setting a set-user-ID or set-group-ID bit (chmod family, open/creat/
  mknod with such a mode) fails with EPERM. Used when burro runs as root, where files the
  sandbox creates belong to the workspace owner (root), so such a bit would be a root
  shell planted on the host.

Either way ``openat2`` (its mode sits in a struct the filter cannot read) and
``io_uring_setup`` (which can open files and sockets without a syscall) fail with ENOSYS,
so programs fall back to the calls the filter checks. Calls made through another ABI
(32-bit x86, x32) are refused outright.
"""

from __future__ import annotations

import platform
import struct

from burro.sandbox.errors import SandboxUnavailable

# struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6]  (little-endian on both arches)
_NR, _ARCH = 0, 4


def _arg_low(i: int) -> int:
    return 16 + 8 * i


# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_AF_UNIX = 1
_SETID_BITS = 0o6000
_X32_BIT = 0x40000000

# name -> (AUDIT_ARCH, syscall numbers); each mode-taking call maps to its mode argument.
_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "socket": 41,
            "chmod": 90,
            "fchmod": 91,
            "fchmodat": 268,
            "fchmodat2": 452,
            "open": 2,
            "openat": 257,
            "creat": 85,
            "mknod": 133,
            "mknodat": 259,
            "openat2": 437,
            "io_uring_setup": 425,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "socket": 198,
            "fchmod": 52,
            "fchmodat": 53,
            "fchmodat2": 452,
            "openat": 56,
            "mknodat": 33,
            "openat2": 437,
            "io_uring_setup": 425,
        },
    ),
}
_ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}
_MODE_ARG = {
    "chmod": 1,
    "fchmod": 1,
    "fchmodat": 2,
    "fchmodat2": 2,
    "open": 2,
    "openat": 3,
    "creat": 1,
    "mknod": 1,
    "mknodat": 2,
}


def machine() -> str:
    raw = platform.machine().lower()
    return _ARCH_ALIASES.get(raw, raw)


def supported(arch: str | None = None) -> bool:
    return (arch or machine()) in _ARCHES


class _Asm:
    """Straight-line BPF with forward jumps to named labels."""

    def __init__(self) -> None:
        self.ops: list[tuple[int, int | str, int | str, int]] = []
        self.labels: dict[str, int] = {}

    def op(self, code: int, k: int, jt: int | str = 0, jf: int | str = 0) -> None:
        self.ops.append((code, jt, jf, k))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.ops)

    def assemble(self) -> bytes:
        out = bytearray()
        for at, (code, jt, jf, k) in enumerate(self.ops):

            def rel(target: int | str, here: int = at) -> int:
                if isinstance(target, int):
                    return target
                return self.labels[target] - here - 1

            out += struct.pack("<HBBI", code, rel(jt), rel(jf), k)
        return bytes(out)


def build_filter(*, block_unix: bool, block_setid: bool, arch: str | None = None) -> bytes:
    """The filter program for ``arch`` (default: this machine). Raises SandboxUnavailable
    on an architecture burro has no syscall table for."""
    name = arch or machine()
    if name not in _ARCHES:
        raise SandboxUnavailable(
            f"burro's sandbox filter supports x86_64 and aarch64, not {name}; "
            "run with --network (read-only and workspace-write then skip the filter) "
            "or -s danger-full-access"
        )
    audit_arch, nrs = _ARCHES[name]
    a = _Asm()
    a.op(_LD_W_ABS, _ARCH)
    a.op(_JEQ_K, audit_arch, 0, "eperm")
    a.op(_LD_W_ABS, _NR)
    if name == "x86_64":
        a.op(_JGE_K, _X32_BIT, "eperm", 0)
    a.op(_JEQ_K, nrs["openat2"], "enosys", 0)
    a.op(_JEQ_K, nrs["io_uring_setup"], "enosys", 0)
    if block_unix:
        a.op(_JEQ_K, nrs["socket"], "socket", 0)
    if block_setid:
        for call, argi in _MODE_ARG.items():
            if call in nrs:
                a.op(_JEQ_K, nrs[call], f"mode{argi}", 0)
    a.op(_RET_K, _RET_ALLOW)
    if block_unix:
        a.label("socket")
        a.op(_LD_W_ABS, _arg_low(0))
        a.op(_JEQ_K, _AF_UNIX, "eperm", "allow")
    if block_setid:
        for argi in sorted(set(_MODE_ARG.values())):
            a.label(f"mode{argi}")
            a.op(_LD_W_ABS, _arg_low(argi))
            a.op(_JSET_K, _SETID_BITS, "eperm", "allow")
    a.label("allow")
    a.op(_RET_K, _RET_ALLOW)
    a.label("eperm")
    a.op(_RET_K, _RET_ERRNO | _EPERM)
    a.label("enosys")
    a.op(_RET_K, _RET_ERRNO | _ENOSYS)
    return a.assemble()
