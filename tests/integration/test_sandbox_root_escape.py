"""Kernel knobs and host root: what a sandboxed command cannot reach when burro is root.

CI runs as root, which is where these matter: bubblewrap's user namespace used to map the
sandbox's uid 0 to the host's uid 0, and the kernel checks /proc/sys writes (and so
``core_pattern``, a route to running any program as host root) against that uid. Every
probe here is harmless even if the guard were gone: writes put back the current value,
and other knobs are only opened, never written.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.conftest import provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.integration.sandbox_kit import (
    MODES,
    _need_bwrap,
    cli,
    cli_env,
    in_mode,
    outside,
    py,
    run,
    ws,
    ww,
)

from burro.sandbox.launch import SANDBOX_UID

__all__ = ["_need_bwrap", "outside", "ws"]  # fixtures used by name

AS_ROOT = os.geteuid() == 0
DOMAINNAME = Path("/proc/sys/kernel/domainname")
CORE_PATTERN = Path("/proc/sys/kernel/core_pattern")


@pytest.fixture
def host_domainname() -> Iterator[str]:
    before = DOMAINNAME.read_text()
    yield before
    if AS_ROOT and DOMAINNAME.read_text() != before:  # only if a guard is missing
        DOMAINNAME.write_text(before)


def _host_uid_inside(out: str) -> int:
    """The host uid the sandbox's uid 0 maps to, from /proc/self/uid_map."""
    inside, host, _count = out.split()[:3]
    assert inside == "0"
    return int(host)


@pytest.mark.parametrize("mode", MODES)
def test_sandboxed_commands_never_run_as_host_root(ws: Path, mode: str) -> None:
    out = run(in_mode(mode, ws), "cat /proc/self/uid_map; id -u", cwd=ws)
    assert out.returncode == 0, out.stderr
    host_uid = _host_uid_inside(out.stdout)
    assert host_uid != 0
    if AS_ROOT:
        assert host_uid == SANDBOX_UID
    # Inside, the command still sees itself as uid 0 (tools that expect root keep working).
    assert out.stdout.split()[-1] == "0"


@pytest.mark.parametrize("mode", MODES)
def test_the_audit_probe_cannot_change_the_host_domainname(
    ws: Path, mode: str, host_domainname: str
) -> None:
    out = run(in_mode(mode, ws), "echo pwned > /proc/sys/kernel/domainname", cwd=ws)
    assert out.returncode != 0
    assert "Read-only file system" in out.stderr or "Permission denied" in out.stderr
    assert DOMAINNAME.read_text() == host_domainname


@pytest.mark.parametrize("mode", MODES)
def test_core_pattern_cannot_be_written(ws: Path, mode: str) -> None:
    # The route to host root: a `|program` core_pattern runs as root on the next crash.
    # The probe writes the current value back, so it changes nothing either way.
    current = CORE_PATTERN.read_text()
    script = 'v=$(cat /proc/sys/kernel/core_pattern) && echo "$v" > /proc/sys/kernel/core_pattern'
    out = run(in_mode(mode, ws), script, cwd=ws)
    assert out.returncode != 0
    assert "Read-only file system" in out.stderr or "Permission denied" in out.stderr
    assert CORE_PATTERN.read_text() == current


_OPEN_ALL_FOR_WRITING = r"""
import os, sys
paths = [a for a in sys.argv[1:] if os.path.isfile(a)]
for top in sys.argv[1:]:
    for base, dirs, files in os.walk(top):
        paths += [os.path.join(base, name) for name in files]
for path in paths:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        continue
    print(path)
"""


@pytest.mark.parametrize("mode", MODES)
def test_no_kernel_knob_opens_for_writing(ws: Path, mode: str) -> None:
    # Opening (never writing) every file under /proc/sys and the /proc and /sys knobs.
    tops = "/proc/sys /sys/kernel /sys/power /sys/module /sys/fs /proc/sysrq-trigger"
    script = f"{py(_OPEN_ALL_FOR_WRITING)} {tops}"
    out = run(in_mode(mode, ws), script, cwd=ws)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == []


@pytest.mark.parametrize("mode", MODES)
def test_kernel_memory_and_log_cannot_be_opened(ws: Path, mode: str) -> None:
    probe = (
        "import os\n"
        "for p in ('/proc/kcore', '/proc/kmsg', '/dev/kmsg', '/dev/mem', '/dev/port'):\n"
        "    try:\n"
        "        os.close(os.open(p, os.O_RDONLY | os.O_NONBLOCK)); print('opened', p)\n"
        "    except OSError as e:\n"
        "        print('refused', p, e.errno)\n"
    )
    out = run(in_mode(mode, ws), py(probe), cwd=ws)
    assert out.returncode == 0, out.stderr
    assert "opened" not in out.stdout, out.stdout
    assert out.stdout.count("refused") == 5


@pytest.mark.parametrize("mode", MODES)
def test_burro_sandbox_cli_blocks_the_probe(
    ws: Path, tmp_path: Path, mode: str, host_domainname: str
) -> None:
    script = "cat /proc/self/uid_map; echo pwned > /proc/sys/kernel/domainname"
    out = cli(["-s", mode, "--", "sh", "-c", script], cwd=ws, env=cli_env(tmp_path / "home"))
    assert out.returncode != 0
    assert _host_uid_inside(out.stdout) != 0
    assert DOMAINNAME.read_text() == host_domainname


# --- what the workspace-write sandbox leaves behind ------------------------------------


def test_files_written_as_root_belong_to_the_workspace_owner_and_git_works(ws: Path) -> None:
    subprocess.run(["git", "-C", str(ws), "add", "-A"], check=True)
    git_id = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(ws), *git_id, "commit", "-qm", "init"], check=True)
    script = "echo changed >> README.md && mkdir -p src/pkg && echo new > src/pkg/m.py && git status --short"
    out = run(ww(ws), script, cwd=ws)
    assert out.returncode == 0, out.stderr
    assert " M README.md" in out.stdout and "?? src/" in out.stdout
    owner = ws.stat().st_uid, ws.stat().st_gid
    for path in (ws / "README.md", ws / "src", ws / "src" / "pkg", ws / "src" / "pkg" / "m.py"):
        st = path.stat()
        assert (st.st_uid, st.st_gid) == owner, path
    add = subprocess.run(["git", "-C", str(ws), "add", "-A"], capture_output=True, text=True)
    assert add.returncode == 0, add.stderr
    done = subprocess.run(
        ["git", "-C", str(ws), *git_id, "commit", "-qm", "sandboxed edit"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    log = subprocess.run(["git", "-C", str(ws), "log", "--oneline"], capture_output=True, text=True)
    assert "sandboxed edit" in log.stdout


@pytest.mark.skipif(not AS_ROOT, reason="the owner mapping applies when burro runs as root")
def test_a_workspace_owned_by_another_user_gets_files_owned_by_that_user(outside: Path) -> None:
    nobody = 65534
    outside.chmod(0o755)
    work = outside / "ws"
    work.mkdir()
    (work / "old.txt").write_text("old\n")
    for path in (work, work / "old.txt"):
        os.chown(path, nobody, nobody)
    out = run(ww(work), "echo more >> old.txt && echo new > new.txt && mkdir d", cwd=work)
    assert out.returncode == 0, out.stderr
    for name in ("old.txt", "new.txt", "d"):
        st = (work / name).stat()
        assert (st.st_uid, st.st_gid) == (nobody, nobody), name
    assert (work / "old.txt").read_text() == "old\nmore\n"


# --- setuid files -----------------------------------------------------------------------

_SETID_ATTEMPTS = [
    "cp /bin/true t1 && chmod u+s t1",
    "cp /bin/true t2 && chmod 4755 t2",
    "cp /bin/true t3 && chmod g+s t3",
    "install -m 4755 /bin/true t4",
    "cp /bin/true t5 && " + py("import os; os.chmod('t5', 0o6755)"),
    py("import os; os.close(os.open('t6', os.O_CREAT | os.O_WRONLY, 0o4755))"),
    py("import os; os.mknod('t7', 0o104755)"),
]


@pytest.mark.parametrize("attempt", _SETID_ATTEMPTS)
def test_setuid_files_cannot_be_planted_in_the_workspace(ws: Path, attempt: str) -> None:
    out = run(ww(ws), attempt, cwd=ws)
    assert out.returncode != 0
    for path in ws.iterdir():
        mode = path.lstat().st_mode
        assert not mode & (stat.S_ISUID | stat.S_ISGID), f"{path.name}: {oct(mode)}"


def test_plain_chmod_still_works(ws: Path) -> None:
    out = run(ww(ws), "echo 'echo ok' > s.sh && chmod 755 s.sh && ./s.sh && chmod +t s.sh", cwd=ws)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ok\n"
    assert (ws / "s.sh").stat().st_mode & 0o777 == 0o755


# --- through a scripted model step in `burro exec` ---------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_exec_model_command_cannot_reach_host_root(
    server: FakeModelServer, repo: Path, burro_home: Path, mode: str, host_domainname: str
) -> None:
    probe = "cat /proc/self/uid_map; echo pwned > /proc/sys/kernel/domainname"
    server.add_turns(
        Turn([Call("shell", {"command": probe}, call_id="c1")]),
        Turn([Text("done")]),
    )
    args = [a for a in provider_args(server, "responses") if a not in ("-s", "workspace-write")]
    res = run_exec(["--json", *args, "-s", mode, "probe"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert DOMAINNAME.read_text() == host_domainname
    output = next(
        str(item["output"])
        for item in server.requests[1].json["input"]
        if item.get("call_id") == "c1" and item["type"].endswith("_output")
    )
    assert "Read-only file system" in output or "Permission denied" in output
    assert _host_uid_inside(output.split("Output:", 1)[1]) != 0
