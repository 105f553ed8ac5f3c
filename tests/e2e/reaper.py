"""Run a command as the child of a subreaper and exit only when it and every process
it left behind are gone, with the command's exit status (128 + signal when killed).

    python tests/e2e/reaper.py PID_FILE COMMAND [ARG ...]

The command's pid is written to PID_FILE once it runs. A test that SIGKILLs the command
and then waits for this wrapper knows that no orphaned grandchild (a sandboxed command
still finishing) can write anything afterwards."""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    pid_file, command = argv[0], argv[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    child = os.fork()
    if child == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    tmp = f"{pid_file}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(f"{child}\n")
    os.replace(tmp, pid_file)
    status = 0
    while True:  # reap the command and every orphan it left, until none is left
        try:
            pid, raw = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            code = os.waitstatus_to_exitcode(raw)
            status = 128 - code if code < 0 else code
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
