"""Escape attempts against the real bubblewrap sandbox (workspace-write unless stated).

CI installs bubblewrap; when it is missing these tests fail with the install hint."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.sandbox_kit import (
    ROOT,
    STDLIB_PY,
    Listener,
    _need_bwrap,
    cli,
    cli_env,
    outside,
    run,
    ws,
    ww,
)

from burro.sandbox import BwrapSandbox, SandboxUnavailable, filter_env, policy_for
from burro.sandbox.bwrap import find_bwrap
from burro.sandbox.errors import BWRAP_MISSING

REPO = ROOT
__all__ = ["_need_bwrap", "outside", "ws"]  # fixtures used by name


# --- writes the policy blocks ---------------------------------------------------------


def test_write_outside_the_writable_roots_is_blocked(ws: Path, outside: Path) -> None:
    out = run(ww(ws), f"echo pwned > {outside}/f", cwd=ws)
    assert out.returncode != 0
    assert "Read-only file system" in out.stderr
    assert not (outside / "f").exists()


def test_write_inside_existing_git_dir_is_blocked(ws: Path) -> None:
    config = (ws / ".git" / "config").read_text()
    out = run(
        ww(ws),
        "echo '[core] fsmonitor = evil' >> .git/config; touch .git/hooks/pre-commit",
        cwd=ws,
    )
    assert out.returncode != 0
    assert out.stderr.count("Read-only file system") == 2
    assert (ws / ".git" / "config").read_text() == config
    assert not (ws / ".git" / "hooks" / "pre-commit").exists()


def test_creating_git_in_a_root_without_one_is_blocked(ws: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    out = run(
        ww(ws, add_dirs=[extra]), f"mkdir -p {extra}/.git/hooks || git init -q {extra}", cwd=ws
    )
    assert out.returncode != 0
    assert not (extra / ".git" / "hooks").exists()
    assert not (extra / ".git" / "config").exists()
    # The folder itself is writable, and git still sees no repository there.
    assert run(ww(ws, add_dirs=[extra]), f"touch {extra}/made", cwd=ws).returncode == 0
    assert (extra / "made").exists()
    git = subprocess.run(["git", "-C", str(extra), "rev-parse"], capture_output=True, text=True)
    assert git.returncode != 0


def test_write_through_symlink_pointing_out_of_the_root_is_blocked(ws: Path, outside: Path) -> None:
    (outside / "target.txt").write_text("original\n")
    (ws / "link-dir").symlink_to(outside)
    (ws / "link-file").symlink_to(outside / "target.txt")
    out = run(ww(ws), "echo x > link-dir/new; echo x > link-file", cwd=ws)
    assert out.returncode != 0
    assert out.stderr.count("Read-only file system") == 2
    assert not (outside / "new").exists()
    assert (outside / "target.txt").read_text() == "original\n"


def test_burro_home_inside_the_workspace_stays_read_only(ws: Path) -> None:
    home = ws / ".burro"
    home.mkdir()
    out = run(ww(ws, burro_home=home), "touch .burro/config.toml", cwd=ws)
    assert out.returncode != 0
    assert "Read-only file system" in out.stderr
    assert not (home / "config.toml").exists()


def test_missing_burro_home_inside_the_workspace_cannot_be_created(ws: Path) -> None:
    home = ws / "burro-home"
    out = run(
        ww(ws, burro_home=home), "mkdir -p burro-home/x && touch burro-home/config.toml", cwd=ws
    )
    assert out.returncode != 0
    assert not (home / "config.toml").exists()
    assert not (home / "x").exists()


def test_burro_home_outside_the_workspace_stays_read_only(ws: Path, outside: Path) -> None:
    out = run(ww(ws, burro_home=outside), f"touch {outside}/config.toml", cwd=ws)
    assert out.returncode != 0
    assert not (outside / "config.toml").exists()


# --- network --------------------------------------------------------------------------


class _Server(Listener):
    def __init__(self) -> None:
        super().__init__(socket.create_server(("127.0.0.1", 0)))
        self.port = self.sock.getsockname()[1]


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


def _connect_script(port: int) -> str:
    code = (
        f"import socket; s = socket.create_connection(('127.0.0.1', {port}), timeout=5); "
        "print(s.recv(2).decode())"
    )
    return f'{STDLIB_PY} -c "{code}"'


def test_tcp_connect_to_a_loopback_server_is_refused(ws: Path, server: _Server) -> None:
    out = run(ww(ws), _connect_script(server.port), cwd=ws)
    assert out.returncode != 0
    assert "ConnectionRefusedError" in out.stderr or "unreachable" in out.stderr
    assert server.accepted == 0


def test_tcp_connect_works_when_network_is_allowed(ws: Path, server: _Server) -> None:
    out = run(ww(ws, network_access=True), _connect_script(server.port), cwd=ws)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hi"
    assert server.accepted == 1


def test_dns_lookup_fails_and_only_loopback_exists(ws: Path) -> None:
    code = "import socket; socket.getaddrinfo('example.com', 443)"
    out = run(ww(ws), f'{STDLIB_PY} -c "{code}"', cwd=ws)
    assert out.returncode != 0
    assert "gaierror" in out.stderr
    netdev = run(ww(ws), "cat /proc/net/dev", cwd=ws).stdout
    interfaces = [line.split(":")[0].strip() for line in netdev.splitlines()[2:]]
    assert interfaces == ["lo"]
    env = run(ww(ws), "env", cwd=ws).stdout.splitlines()
    assert "BURRO_SANDBOX_NETWORK_DISABLED=1" in env
    assert "BURRO_SANDBOX=bwrap" in env


# --- environment and processes --------------------------------------------------------


def test_api_keys_in_the_parent_env_are_not_visible(ws: Path) -> None:
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-parent-secret",
        "MYPROV_KEY": "custom-provider-secret",
        "GITHUB_TOKEN": "ghp-secret",
        "AWS_SECRET_ACCESS_KEY": "aws-secret",
        "AWS_ACCESS_KEY_ID": "aws-id-secret",
        "STRIPE_SECRET_KEY": "stripe-secret",
        "DATABASE_PASSWORD": "db-secret",
        "DATABASE_URL": "postgres://app:pw-secret@db:5432/app",
        "OPENAI_KEY": "openai-secret",
        "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/hook-secret",
        "KEEP_API_KEY": "kept-on-purpose",
        "PLAIN_SETTING": "visible",
        "GIT_AUTHOR_NAME": "visible-author",
    }
    sandbox = BwrapSandbox(ww(ws))
    child_env = filter_env(
        env, secret_vars=["MYPROV_KEY"], keep=["KEEP_API_KEY"], sandbox_name=sandbox.name
    )
    out = subprocess.run(
        sandbox.wrap(["env"], cwd=ws), capture_output=True, text=True, env=child_env, check=True
    )
    assert "secret" not in out.stdout
    assert "KEEP_API_KEY=kept-on-purpose" in out.stdout
    assert "PLAIN_SETTING=visible" in out.stdout
    assert "GIT_AUTHOR_NAME=visible-author" in out.stdout


def test_cannot_kill_a_process_outside_the_pid_namespace(ws: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        out = run(
            ww(ws), f"kill -9 {sleeper.pid}; echo pids: $(ls /proc | grep -c '^[0-9]')", cwd=ws
        )
        assert out.returncode != 0 or "No such process" in out.stderr
        assert sleeper.poll() is None, "the sandbox killed a process outside its namespace"
    finally:
        sleeper.kill()
        sleeper.wait()


# --- what the policy allows -----------------------------------------------------------


def test_writes_inside_the_workspace_and_tmp_succeed(ws: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    out = run(
        ww(ws, add_dirs=[extra]),
        f"echo a > new.txt && mkdir -p src/pkg && echo b > src/pkg/m.py && "
        f"echo c > /tmp/scratch && cat /tmp/scratch && echo d > {extra}/e.txt && "
        "git status --short",
        cwd=ws,
    )
    assert out.returncode == 0, out.stderr
    assert (ws / "new.txt").read_text() == "a\n"
    assert (ws / "src" / "pkg" / "m.py").read_text() == "b\n"
    assert (extra / "e.txt").read_text() == "d\n"
    assert "c" in out.stdout.splitlines()
    assert "?? new.txt" in out.stdout


def test_symlinked_writable_root_is_bound_at_its_real_path(ws: Path, outside: Path) -> None:
    (ws / "to-outside").symlink_to(outside)
    policy = ww(ws, writable_roots=["to-outside"])
    assert str(outside.resolve()) in policy.writable_roots
    out = run(policy, "echo ok > to-outside/f", cwd=ws)
    assert out.returncode == 0, out.stderr
    assert (outside / "f").read_text() == "ok\n"


def test_read_only_blocks_every_write(ws: Path, outside: Path) -> None:
    policy = policy_for("read-only", cwd=ws)
    for script in (
        "touch new.txt",
        "echo x >> README.md",
        "touch .git/x",
        "touch /tmp/x-burro-ro",
        f"touch {outside}/x",
    ):
        out = run(policy, script, cwd=ws)
        assert out.returncode != 0, script
        assert "Read-only file system" in out.stderr, script
    assert sorted(p.name for p in ws.iterdir()) == [".git", "README.md"]
    assert (ws / "README.md").read_text() == "hello\n"
    # Reading still works.
    assert run(policy, "cat README.md", cwd=ws).stdout == "hello\n"


def test_missing_bwrap_is_one_clear_error(ws: Path) -> None:
    with pytest.raises(SandboxUnavailable) as err:
        BwrapSandbox(ww(ws), bwrap_path="/nonexistent/bwrap")
    msg = str(err.value)
    assert "\n" not in msg
    assert "sudo apt-get install bubblewrap" in msg
    assert "-s danger-full-access" in msg


# --- the `burro sandbox` command ------------------------------------------------------


def test_cli_runs_the_command_sandboxed_and_passes_the_exit_code(
    ws: Path, outside: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "home")
    out = cli(["--", "sh", "-c", f"touch ok; touch {outside}/no; env; exit 7"], cwd=ws, env=env)
    assert out.returncode == 7
    assert (ws / "ok").exists()
    assert not (outside / "no").exists()
    assert "BURRO_SANDBOX=bwrap" in out.stdout
    assert "sk-cli-secret" not in out.stdout


def test_cli_writable_root_and_network_flags(
    ws: Path, outside: Path, tmp_path: Path, server: _Server
) -> None:
    env = cli_env(tmp_path / "home")
    out = cli(
        [
            "--writable-root",
            str(outside),
            "--network",
            "--",
            "sh",
            "-c",
            f"touch {outside}/yes && {_connect_script(server.port)}",
        ],
        cwd=ws,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert (outside / "yes").exists()
    assert out.stdout.strip() == "hi"


def test_cli_read_only_mode(ws: Path, tmp_path: Path) -> None:
    out = cli(["-s", "read-only", "--", "touch", "x"], cwd=ws, env=cli_env(tmp_path / "home"))
    assert out.returncode != 0
    assert "Read-only file system" in out.stderr
    assert not (ws / "x").exists()


def test_cli_without_bwrap_prints_the_install_hint(ws: Path, tmp_path: Path) -> None:
    # Run the CLI where /usr/bin/bwrap is hidden (a real bwrap masks it with /dev/null).
    hide = [
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        # burro itself may be checked out under /tmp (CI clones anywhere): keep it visible.
        "--ro-bind",
        str(REPO),
        str(REPO),
        "--bind",
        str(ws),
        str(ws),
        "--chdir",
        str(ws),
    ]
    for path in ("/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"):
        if os.path.exists(path) and not os.path.islink(path):
            hide += ["--ro-bind", "/dev/null", path]
    code = "import sys; from burro.sandbox.cli import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run(
        [
            find_bwrap() or "bwrap",
            "--unshare-user",
            *hide,
            "--",
            sys.executable,
            "-c",
            code,
            "--",
            "touch",
            "should-not-exist",
        ],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path / "home"),
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == BWRAP_MISSING
    assert not (ws / "should-not-exist").exists()
