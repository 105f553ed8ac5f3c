"""Reads that block (a FIFO, a file whose lease holder never lets go) and undecodable file
names never hang or crash a session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from burro.tools.base import ToolError
from burro.tools.list_dir import ListDirTool
from burro.tools.read_file import ReadFileTool
from burro.tools.view_image import ViewImageTool
from tests.unit.tools._helpers import make_ctx, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux leases")

# Holds a write lease on argv[1] and ignores the lease-break signal, so every open() of
# the file by another process blocks until the kernel's lease-break-time (45 s) passes.
_HOLDER = """
import fcntl, os, signal, sys, time
signal.signal(signal.SIGIO, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture
def blocked_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "leased.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\nhello\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield path
    finally:
        holder.kill()
        holder.wait()


def test_read_file_gives_up_on_a_blocking_read(blocked_file: Path) -> None:
    ctx, _ = make_ctx(blocked_file.parent)
    tool = ReadFileTool(io_timeout_s=0.5)
    with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
        run(tool.run(json.dumps({"file_path": str(blocked_file)}), ctx))


def test_view_image_gives_up_on_a_blocking_read(blocked_file: Path) -> None:
    ctx, _ = make_ctx(blocked_file.parent, supports_images=True)
    tool = ViewImageTool(io_timeout_s=0.5)
    with pytest.raises(ToolError, match=r"view_image: reading .* did not finish"):
        run(tool.run(json.dumps({"path": str(blocked_file)}), ctx))


_EXITS = """
import asyncio, json, sys
from pathlib import Path
from burro.tools.base import ToolContext, ToolError
from burro.tools.read_file import ReadFileTool

async def main():
    ctx = ToolContext(turn_id="t", call_id="c", cwd=Path("."), emit=lambda e: None)
    try:
        await ReadFileTool(io_timeout_s=0.3).run(json.dumps({"file_path": sys.argv[1]}), ctx)
    except ToolError as exc:
        print("error:", exc, flush=True)

asyncio.run(main())
"""


def test_a_stuck_read_does_not_keep_the_process_from_exiting(blocked_file: Path) -> None:
    # Were the read on the default executor, asyncio.run and the interpreter would wait
    # for it at exit until the kernel broke the lease (45 s).
    done = subprocess.run(
        [sys.executable, "-c", _EXITS, str(blocked_file)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "did not finish" in done.stdout


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # no writer: opening it for reading would block for ever
    ctx, _ = make_ctx(tmp_path, supports_images=True)
    with pytest.raises(ToolError, match="not a regular file"):
        run(ReadFileTool(io_timeout_s=5).run(json.dumps({"file_path": "pipe"}), ctx))
    with pytest.raises(ToolError, match="is not a file"):
        run(ViewImageTool(io_timeout_s=5).run(json.dumps({"path": "pipe"}), ctx))


def test_list_dir_replaces_undecodable_name_bytes(tmp_path: Path) -> None:
    os.close(os.open(os.fsencode(tmp_path) + b"/caf\xe9-\xff.txt", os.O_CREAT | os.O_WRONLY))
    (tmp_path / "plain.txt").write_text("")
    ctx, _ = make_ctx(tmp_path)
    out = run(ListDirTool().run(json.dumps({"dir_path": "."}), ctx)).output
    assert "caf\ufffd-\ufffd.txt" in out.splitlines()
    assert "plain.txt" in out.splitlines()
    msgspec.json.encode(out)  # what the rollout does; lone surrogates would raise here
