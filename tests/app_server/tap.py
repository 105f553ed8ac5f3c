"""A wire tap: ``python -m tests.app_server.tap LOG CMD...`` runs CMD with its stdio
passed through, and appends every line each side sends to LOG as
``{"from": "client"|"server", "line": ...}`` (what the schema test checks)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from typing import IO


def _pump(
    src: IO[bytes], dst: IO[bytes] | None, log: IO[str], side: str, lock: threading.Lock
) -> None:
    for line in iter(src.readline, b""):
        with lock:
            log.write(json.dumps({"from": side, "line": line.decode("utf-8", "replace")}) + "\n")
            log.flush()
        if dst is not None:
            try:
                dst.write(line)
                dst.flush()
            except (BrokenPipeError, ValueError):
                return
    if dst is not None:
        with contextlib.suppress(OSError):
            dst.close()


def main() -> int:
    log_path, cmd = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    lock = threading.Lock()
    with open(log_path, "a", encoding="utf-8") as log:
        client = threading.Thread(
            target=_pump, args=(sys.stdin.buffer, proc.stdin, log, "client", lock), daemon=True
        )
        client.start()
        _pump(proc.stdout, sys.stdout.buffer, log, "server", lock)
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
