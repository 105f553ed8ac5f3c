"""Unix-domain sockets with the network off: a socket file in the workspace or on the host
(think docker.sock, an ssh-agent, D-Bus) must not accept a sandboxed command's connection.
With the network on they work as before."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.sandbox_kit import MODES, Listener, _need_bwrap, in_mode, py, run, ws

__all__ = ["_need_bwrap", "ws"]  # fixtures used by name


class _UnixServer(Listener):
    def __init__(self, path: Path) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        path.chmod(0o777)
        sock.listen()
        super().__init__(sock)
        self.path = path

    def close(self) -> None:
        super().close()
        self.path.unlink(missing_ok=True)


@pytest.fixture(params=["workspace", "host"])
def listener(request: pytest.FixtureRequest, ws: Path) -> Iterator[_UnixServer]:
    """A listening socket in the workspace, or in a host folder the sandbox can see
    (host /tmp is hidden by workspace-write's private /tmp, so /var/tmp stands in)."""
    if request.param == "workspace":
        srv = _UnixServer(ws / "agent.sock")
        yield srv
        srv.close()
        return
    with tempfile.TemporaryDirectory(prefix="burro-sock-", dir="/var/tmp") as d:
        Path(d).chmod(0o755)
        srv = _UnixServer(Path(d) / "agent.sock")
        yield srv
        srv.close()


def _connect(path: Path) -> str:
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        f"s.settimeout(5); s.connect({str(path)!r}); print(s.recv(2).decode())\n"
    )
    return py(code)


@pytest.mark.parametrize("mode", MODES)
def test_unix_socket_is_unreachable_with_the_network_off(
    ws: Path, listener: _UnixServer, mode: str
) -> None:
    out = run(in_mode(mode, ws), _connect(listener.path), cwd=ws)
    assert out.returncode != 0
    assert "PermissionError" in out.stderr, out.stderr
    assert listener.accepted == 0


def test_host_tmp_socket_is_unreachable_in_read_only_mode(ws: Path) -> None:
    # read-only mode sees the host's real /tmp.
    with tempfile.TemporaryDirectory(prefix="burro-sock-", dir="/tmp") as d:
        Path(d).chmod(0o755)
        srv = _UnixServer(Path(d) / "s")
        try:
            out = run(in_mode("read-only", ws), _connect(srv.path), cwd=ws)
            assert out.returncode != 0 and "PermissionError" in out.stderr, out.stderr
            assert srv.accepted == 0
            allowed = run(in_mode("read-only", ws, network_access=True), _connect(srv.path), cwd=ws)
            assert allowed.returncode == 0, allowed.stderr
            assert allowed.stdout.strip() == "hi"
        finally:
            srv.close()


@pytest.mark.parametrize("mode", MODES)
def test_unix_socket_works_with_the_network_on(ws: Path, listener: _UnixServer, mode: str) -> None:
    out = run(in_mode(mode, ws, network_access=True), _connect(listener.path), cwd=ws)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hi"
    assert listener.accepted == 1


@pytest.mark.parametrize("mode", MODES)
def test_everyday_tools_still_work_with_the_filter(ws: Path, mode: str) -> None:
    script = (
        "git status --short && bash -c 'echo bash-ok' && "
        + py("import socket, subprocess; a, b = socket.socketpair(); print('py-ok')")
        + " && echo piped | cat"
    )
    out = run(in_mode(mode, ws), script, cwd=ws)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-3:] == ["bash-ok", "py-ok", "piped"]
