"""Build the id-mapped mount namespace the sandbox enters when burro runs as root.

Run as a script (``python -I -S _mirror_helper.py OWNER_UID OWNER_GID UID GID``, as root;
it imports nothing from burro). In a new mount namespace it stacks a copy of every mount
over the original tree; each copy whose file system supports it is id-mapped so that files
owned by OWNER_UID:OWNER_GID appear owned by UID:GID, and files UID:GID creates are stored
as OWNER_UID:OWNER_GID. It prints one ``idmap\\tPATH`` or ``plain\\tPATH`` line per mount,
then ``ready``, and keeps the namespace alive until its stdin closes (the caller opens
``/proc/PID/ns/mnt`` in between). On failure it prints ``error\\tMESSAGE`` and exits 1.
"""

from __future__ import annotations

import ctypes
import os
import sys

_CLONE_NEWNS = 0x20000
_CLONE_NEWUSER = 0x10000000
_MS_REC, _MS_SLAVE = 0x4000, 1 << 19
_AT_FDCWD = -100
_OPEN_TREE_CLONE = 1
_AT_EMPTY_PATH = 0x1000
_MOVE_MOUNT_F_EMPTY_PATH = 4
_MOUNT_ATTR_IDMAP = 0x100000
# open_tree, move_mount and mount_setattr have the same numbers on every architecture.
_SYS_OPEN_TREE, _SYS_MOVE_MOUNT, _SYS_MOUNT_SETATTR = 428, 429, 442


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _userns_fd(owner: tuple[int, int], target: tuple[int, int]) -> int:
    """A user namespace mapping owner uid/gid to target uid/gid (the id-map's description)."""
    go_read, go_write = os.pipe()
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(go_write)
        os.close(ready_read)
        ok = _libc.unshare(_CLONE_NEWUSER) == 0
        os.write(ready_write, b"1" if ok else b"0")
        os.read(go_read, 1)
        os._exit(0)
    os.close(go_read)
    os.close(ready_write)
    try:
        if os.read(ready_read, 1) != b"1":
            raise OSError("cannot create a user namespace")
        with open(f"/proc/{pid}/uid_map", "w") as f:
            f.write(f"{owner[0]} {target[0]} 1\n")
        with open(f"/proc/{pid}/gid_map", "w") as f:
            f.write(f"{owner[1]} {target[1]} 1\n")
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(ready_read)
        os.close(go_write)
        os.waitpid(pid, 0)


def _mount_points() -> list[bytes]:
    out: list[bytes] = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            out.append(_unescape(line.split()[4]))
    return out


def _unescape(raw: bytes) -> bytes:
    """mountinfo writes space, tab, newline and backslash in paths as ``\\ooo`` (octal).
    (No ``re``: importing it is a third of this helper's start-up.)"""
    parts = raw.split(b"\\")
    out = bytearray(parts[0])
    for part in parts[1:]:
        code = part[:3]
        if len(code) == 3 and all(0x30 <= c <= 0x37 for c in code):
            out.append(int(code, 8))
            out += part[3:]
        else:
            out += b"\\" + part
    return bytes(out)


def build(owner: tuple[int, int], target: tuple[int, int]) -> list[tuple[bytes, bool]]:
    userns = _userns_fd(owner, target)
    _check(_libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(None, b"/", None, _MS_REC | _MS_SLAVE, None), "make / a slave")
    copies: list[tuple[bytes, int, bool]] = []
    for point in _mount_points():
        try:
            fd = _check(
                _libc.syscall(_SYS_OPEN_TREE, _AT_FDCWD, point, _OPEN_TREE_CLONE), "open_tree"
            )
        except OSError:
            continue  # e.g. a mount point this namespace cannot reach
        attr = _MountAttr(_MOUNT_ATTR_IDMAP, 0, 0, userns)
        size = ctypes.sizeof(attr)
        mapped = (
            _libc.syscall(_SYS_MOUNT_SETATTR, fd, b"", _AT_EMPTY_PATH, ctypes.byref(attr), size)
            == 0
        )
        copies.append((point, fd, mapped))
    if not copies or copies[0][0] != b"/" or not copies[0][2]:
        raise OSError("the root file system cannot be id-mapped")
    done: list[tuple[bytes, bool]] = []
    for point, fd, mapped in copies:
        flags = _MOVE_MOUNT_F_EMPTY_PATH
        if _libc.syscall(_SYS_MOVE_MOUNT, fd, b"", _AT_FDCWD, point, flags) == 0:
            done.append((point, mapped))
        if point == b"/":
            # Later mount points must resolve inside the new tree, not the hidden one.
            os.fchdir(fd)
            os.chroot(".")
        os.close(fd)
    return done


def main(argv: list[str]) -> int:
    try:
        owner_uid, owner_gid, uid, gid = (int(a) for a in argv)
        mounts = build((owner_uid, owner_gid), (uid, gid))
    except (OSError, ValueError) as exc:
        print(f"error\t{exc}", flush=True)
        return 1
    for point, mapped in mounts:
        sys.stdout.buffer.write(b"idmap\t" if mapped else b"plain\t")
        sys.stdout.buffer.write(point.replace(b"\n", b"?") + b"\n")
    print("ready", flush=True)
    sys.stdin.buffer.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
