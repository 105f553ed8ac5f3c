"""The seccomp program, checked by running it on a small classic-BPF interpreter for both
architectures (the real kernel runs it in the integration tests), and the arch refusal."""

from __future__ import annotations

import itertools
import os
import struct
from pathlib import Path

import pytest

from burro.sandbox.bwrap import BwrapSandbox, find_bwrap
from burro.sandbox.errors import SandboxUnavailable
from burro.sandbox.launch import SANDBOX_GID, SANDBOX_UID, Mirror
from burro.sandbox.policy import policy_for
from burro.sandbox.seatbelt import seatbelt_profile
from burro.sandbox.seccomp import build_filter

ALLOW, EPERM, ENOSYS = 0x7FFF0000, 0x00050001, 0x00050026
X86, ARM = 0xC000003E, 0xC00000B7
AF_UNIX, AF_INET = 1, 2


def _run_bpf(program: bytes, *, arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    """Evaluate a seccomp program over one syscall (the instructions the builder emits)."""
    full = (*args, *([0] * (6 - len(args))))
    data = struct.pack("<iIQ6Q", nr, arch, 0, *full)
    insns = [struct.unpack_from("<HBBI", program, i) for i in range(0, len(program), 8)]
    pc, acc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        if code == 0x20:  # ld [k]
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code in (0x15, 0x35, 0x45):  # jeq, jge, jset
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if hit else jf)
        elif code == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


@pytest.mark.parametrize(
    ("arch", "audit", "socket_nr", "fchmodat_nr", "openat_nr"),
    [("x86_64", X86, 41, 268, 257), ("aarch64", ARM, 198, 53, 56)],
)
def test_filter_decisions(
    arch: str, audit: int, socket_nr: int, fchmodat_nr: int, openat_nr: int
) -> None:
    both = build_filter(block_unix=True, block_setid=True, arch=arch)

    def verdict(nr: int, *args: int, program: bytes = both, on: int = audit) -> int:
        return _run_bpf(program, arch=on, nr=nr, args=args)

    assert verdict(socket_nr, AF_UNIX, 1) == EPERM
    assert verdict(socket_nr, AF_INET, 1) == ALLOW
    assert verdict(fchmodat_nr, 0, 0, 0o4755) == EPERM
    assert verdict(fchmodat_nr, 0, 0, 0o2755) == EPERM
    assert verdict(fchmodat_nr, 0, 0, 0o1777) == ALLOW
    assert verdict(openat_nr, 0, 0, 0o101, 0o104755) == EPERM
    assert verdict(openat_nr, 0, 0, 0o101, 0o644) == ALLOW
    assert verdict(437) == ENOSYS  # openat2: its mode is out of the filter's reach
    assert verdict(425) == ENOSYS  # io_uring_setup
    assert verdict(0) == ALLOW
    assert verdict(0, on=0x40000003) == EPERM  # another ABI (i386)
    unix_only = build_filter(block_unix=True, block_setid=False, arch=arch)
    assert verdict(fchmodat_nr, 0, 0, 0o4755, program=unix_only) == ALLOW
    assert verdict(socket_nr, AF_UNIX, program=unix_only) == EPERM
    setid_only = build_filter(block_unix=False, block_setid=True, arch=arch)
    assert verdict(socket_nr, AF_UNIX, program=setid_only) == ALLOW


def test_x32_calls_are_refused() -> None:
    program = build_filter(block_unix=True, block_setid=False, arch="x86_64")
    assert _run_bpf(program, arch=X86, nr=0x40000000 + 41, args=(AF_UNIX,)) == EPERM


def test_other_architectures_get_one_clear_error() -> None:
    with pytest.raises(SandboxUnavailable) as err:
        build_filter(block_unix=True, block_setid=False, arch="riscv64")
    msg = str(err.value)
    assert "\n" not in msg and "riscv64" in msg and "x86_64 and aarch64" in msg


def test_mirror_knows_which_mounts_are_id_mapped() -> None:
    mirror = Mirror(ns_path="", mounts=(("/", True), ("/proc", False), ("/data", False)))
    assert mirror.idmapped("/home/u/ws")
    assert not mirror.idmapped("/data/ws")
    assert not mirror.idmapped("/data")
    assert mirror.idmapped("/database")


def test_seatbelt_keeps_unix_sockets_closed_with_the_network_off(repo: Path) -> None:
    # Seatbelt denies by default: Unix sockets need system-socket and network-outbound.
    off = seatbelt_profile(policy_for("workspace-write", cwd=repo), cwd=repo)
    assert "system-socket" not in off and "network-outbound" not in off
    on = seatbelt_profile(policy_for("workspace-write", cwd=repo, network_access=True), cwd=repo)
    assert "system-socket" in on


def test_argv_in_front_of_bwrap(repo: Path) -> None:
    bw = find_bwrap() or "/usr/bin/bwrap"
    ro_net = policy_for("read-only", cwd=repo, network_access=True)
    plain = BwrapSandbox(ro_net, bwrap_path=bw, drop_root=False).wrap(["true"], cwd=repo)
    assert plain[0] == bw and "--seccomp" not in plain and "--uid" not in plain
    assert ("/proc/sys", "/proc/sys") in itertools.pairwise(plain)
    off = BwrapSandbox(policy_for("read-only", cwd=repo), bwrap_path=bw, drop_root=False)
    argv = off.wrap(["true"], cwd=repo)
    assert argv[:3] == ["/bin/sh", "-c", 'exec "$@" 3<"$0"'] and argv[4] == bw
    assert argv[argv.index("--seccomp") + 1] == "3"
    if os.geteuid() == 0:
        root = BwrapSandbox(ro_net, bwrap_path=bw).wrap(["true"], cwd=repo)
        i = root.index(bw)
        assert root[i - 5 : i] == ["-S", str(SANDBOX_UID), "-G", str(SANDBOX_GID), "--"]
        assert root[i - 7].endswith("nsenter") and root[i - 6].startswith("--mount=/proc/")
        assert root[root.index("--uid") + 1] == "0" and "--seccomp" in root
