"""Try a battery of escapes from burro's Linux sandbox and count how many are blocked.

Run (as root, which is where most of these matter):  uv run python scripts/audit_sandbox.py
Prints one line per attempt that got through, then ``escapes tried N, blocked M``; exits 1
when anything got through. Every attempt is harmless if it succeeds: knobs are written
with their current value or only opened, never written; host-side effects are checked and
undone where one could exist.

An attempt "gets through" when its script prints ESCAPED (each script does so only after
the forbidden step worked) or when the host shows its effect afterwards.
"""

from __future__ import annotations

import os
import pty
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from burro.sandbox import BwrapSandbox, filter_env, policy_for
from burro.sandbox.policy import SandboxMode

PY = os.path.realpath(sys.executable)
SECRET = "sk-audit-provider-secret"
OK = "&& echo ESCAPED"


@dataclass
class Attempt:
    category: str
    name: str
    script: str
    mode: SandboxMode = "workspace-write"
    network: bool = False
    host_check: Callable[[Lab], bool] | None = None  # True when the host shows an escape
    via_cli: bool = False
    tty: bool = False


@dataclass
class Lab:
    """Everything the attempts aim at: a workspace, folders outside it, listeners, a
    host process, secrets in the environment."""

    base: Path
    ws: Path = field(init=False)
    out: Path = field(init=False)
    extra: Path = field(init=False)
    home_out: Path = field(init=False)
    sleeper: subprocess.Popen[bytes] | None = None
    servers: list[socket.socket] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self.base.chmod(0o755)
        self.ws = self.base / "ws"
        self.out = self.base / "outside"
        self.extra = self.base / "extra"
        self.home_out = self.base / "home"
        for d in (self.ws, self.out, self.extra, self.home_out):
            d.mkdir()
        subprocess.run(["git", "init", "-q", str(self.ws)], check=True)
        (self.ws / "README.md").write_text("hello\n")
        (self.ws / ".burro").mkdir()
        (self.ws / ".burro" / "config.toml").write_text("")
        (self.out / "victim.txt").write_text("victim\n")

    def start(self) -> None:
        # A host process holding a secret in its environment.
        self.sleeper = subprocess.Popen(
            ["sleep", "600"], env={**os.environ, "OPENAI_API_KEY": SECRET}
        )
        tcp = socket.create_server(("127.0.0.1", 0))
        self.port = tcp.getsockname()[1]
        self.servers.append(tcp)
        for path in (self.ws / "agent.sock", Path("/tmp") / f"burro-audit-{os.getpid()}.sock"):
            s = socket.socket(socket.AF_UNIX)
            s.bind(str(path))
            path.chmod(0o777)
            self.servers.append(s)
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind(f"\0burro-audit-{os.getpid()}")
        self.servers.append(abstract)
        for s in self.servers:
            s.listen()
            threading.Thread(target=_serve, args=(s,), daemon=True).start()

    def stop(self) -> None:
        if self.sleeper is not None:
            self.sleeper.kill()
            self.sleeper.wait()
        for s in self.servers:
            s.close()
        Path(f"/tmp/burro-audit-{os.getpid()}.sock").unlink(missing_ok=True)

    def fill(self, script: str) -> str:
        values = {
            "@WS@": str(self.ws),
            "@OUT@": str(self.out),
            "@EXTRA@": str(self.extra),
            "@HOMEOUT@": str(self.home_out),
            "@PORT@": str(self.port),
            "@PID@": str(self.sleeper.pid if self.sleeper else 0),
            "@BURROPID@": str(os.getpid()),
            "@TMPSOCK@": f"/tmp/burro-audit-{os.getpid()}.sock",
            "@ABSTRACT@": f"burro-audit-{os.getpid()}",
            "@PY@": PY,
        }
        for key, value in values.items():
            script = script.replace(key, value)
        return script


def _serve(sock: socket.socket) -> None:
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        conn.sendall(b"hi")
        conn.close()


def _py(code: str) -> str:
    return "@PY@ -c " + "'" + code.replace("'", "'\"'\"'") + "'"


def _opens(path: str, flags: str = "os.O_WRONLY") -> str:
    """Open (never write) ``path``; ESCAPED if that works."""
    return _py(f"import os; os.close(os.open('{path}', {flags} | os.O_NONBLOCK)); print('ESCAPED')")


def _rewrite(path: str) -> str:
    """Write a knob's current value back to it; ESCAPED if the write works."""
    return f'v=$(cat {path}) && printf "%s\\n" "$v" > {path} {OK}'


_ROOT_DEV = (
    "import subprocess; d=subprocess.check_output(['findmnt','-no','SOURCE','/']).split()[0]"
)


def _host_file(*parts: str) -> Callable[[Lab], bool]:
    return lambda lab: Path(lab.fill("/".join(parts))).exists()


def _sleeper_dead(lab: Lab) -> bool:
    return lab.sleeper is not None and lab.sleeper.poll() is not None


def _setid_in_ws(lab: Lab) -> bool:
    return any(p.lstat().st_mode & 0o6000 for p in lab.ws.rglob("*") if not p.is_symlink())


ATTEMPTS: list[Attempt] = [
    # writes outside the writable roots
    Attempt("write", "file outside the roots", f"echo x > @OUT@/new {OK}",
            host_check=_host_file("@OUT@", "new")),
    Attempt("write", "overwrite a file outside", f"echo x > @OUT@/victim.txt {OK}"),
    Attempt("write", "/etc", f"echo x > /etc/burro-audit {OK}", host_check=_host_file("/etc/burro-audit")),
    Attempt("write", "append /etc/passwd", f"echo x >> /etc/passwd {OK}"),
    Attempt("write", "/usr/local", f"mkdir /usr/local/burro-audit {OK}"),
    Attempt("write", "$HOME", f"echo x > $HOME/.burro-audit {OK}"),
    Attempt("write", "host /tmp (private tmpfs expected)", "echo x > /tmp/burro-audit-host",
            host_check=_host_file("/tmp/burro-audit-host")),
    Attempt("write", "host /dev/shm", "echo x > /dev/shm/burro-audit 2>/dev/null; true",
            host_check=_host_file("/dev/shm/burro-audit")),
    Attempt("write", "workspace in read-only mode", f"echo x > @WS@/ro {OK}", mode="read-only"),
    Attempt("write", "outside in read-only mode", f"echo x > @OUT@/ro {OK}", mode="read-only"),
    Attempt("write", "host /tmp in read-only mode", f"echo x > /tmp/burro-audit-ro {OK}",
            mode="read-only"),
    # .git and BURRO_HOME
    Attempt("git", "hook in .git/hooks", f"echo x > .git/hooks/pre-commit {OK}"),
    Attempt("git", "git config core.hooksPath", f"git config core.hooksPath /tmp {OK}"),
    Attempt("git", "move .git away", f"mv .git .g {OK}"),
    Attempt("git", "delete .git", f"rm -rf .git && [ ! -e .git ] {OK}"),
    Attempt("git", "create .git in a root without one", f"git init -q @EXTRA@ {OK}"),
    Attempt("git", "git commit inside", f"git add -A && git -c user.name=a -c user.email=a@b commit -qm x {OK}"),
    Attempt("burro_home", "BURRO_HOME inside the workspace", f"echo x > .burro/config.toml {OK}"),
    Attempt("burro_home", "BURRO_HOME outside", f"echo x > @HOMEOUT@/config.toml {OK}"),
    # links
    Attempt("link", "symlink out of the workspace", f"ln -s @OUT@ l && echo x > l/via-link {OK}"),
    Attempt("link", "symlink to /etc", f"ln -s /etc e && echo x > e/burro-audit {OK}"),
    Attempt("link", "hardlink a host file in", f"ln @OUT@/victim.txt hl && echo x >> hl {OK}"),
    Attempt("link", "hardlink /etc/shadow in", f"ln /etc/shadow sh && echo x >> sh {OK}"),
    # kernel knobs
    Attempt("knob", "/proc/sys/kernel/domainname", _rewrite("/proc/sys/kernel/domainname")),
    Attempt("knob", "/proc/sys/kernel/hostname", _rewrite("/proc/sys/kernel/hostname")),
    Attempt("knob", "core_pattern", _rewrite("/proc/sys/kernel/core_pattern")),
    Attempt("knob", "core_pattern (read-only mode)", _rewrite("/proc/sys/kernel/core_pattern"),
            mode="read-only"),
    Attempt("knob", "modprobe path", _rewrite("/proc/sys/kernel/modprobe")),
    Attempt("knob", "kernel.sysrq", _rewrite("/proc/sys/kernel/sysrq")),
    Attempt("knob", "ip_forward", _rewrite("/proc/sys/net/ipv4/ip_forward")),
    Attempt("knob", "drop_caches (open)", _opens("/proc/sys/vm/drop_caches")),
    Attempt("knob", "sysrq-trigger (open)", "[ ! -e /proc/sysrq-trigger ] || " + _opens("/proc/sysrq-trigger")),
    Attempt("knob", "/sys/power/state (open)", _opens("/sys/power/state")),
    Attempt("knob", "cgroup release_agent (open)",
            "[ ! -e /sys/fs/cgroup/memory/release_agent ] || "
            + _opens("/sys/fs/cgroup/memory/release_agent")),
    Attempt("knob", "cgroup.procs (open)", _opens("/sys/fs/cgroup/unified/cgroup.procs")),
    Attempt("knob", "/proc/kcore (read)", _opens("/proc/kcore", "os.O_RDONLY")),
    Attempt("knob", "/proc/kmsg (read)", _opens("/proc/kmsg", "os.O_RDONLY")),
    Attempt("dev", "/dev/mem", _opens("/dev/mem", "os.O_RDONLY")),
    Attempt("dev", "/dev/kmsg", _opens("/dev/kmsg", "os.O_RDONLY")),
    Attempt("dev", "raw root disk", _py(f"import os; {_ROOT_DEV}; os.close(os.open(d, os.O_RDONLY)); print('ESCAPED')")),
    Attempt("dev", "mknod the root disk", _py(f"import os; {_ROOT_DEV}; r=os.stat(d).st_rdev; os.mknod('disk', 0o60600, r); open('disk','rb').read(1); print('ESCAPED')")),
    # privilege
    Attempt("priv", "host uid 0 behind the sandbox", "grep -q '^ *0 *0 ' /proc/self/uid_map && echo ESCAPED"),
    Attempt("priv", "setuid bit by chmod", f"cp /bin/true t && chmod u+s t {OK}", host_check=_setid_in_ws),
    Attempt("priv", "setgid bit by chmod", f"cp /bin/true g && chmod g+s g {OK}", host_check=_setid_in_ws),
    Attempt("priv", "setuid file by open(O_CREAT)",
            _py("import os; os.close(os.open('s', os.O_CREAT|os.O_WRONLY, 0o4755))") + f" {OK}",
            host_check=_setid_in_ws),
    Attempt("priv", "file capabilities", f"cp /bin/true c && setcap cap_setuid+ep c {OK}"),
    Attempt("priv", "load a kernel module",
            _py("import ctypes,os; l=ctypes.CDLL(None,use_errno=True); fd=os.open('/dev/null',0); "
                "r=l.syscall(313,fd,b'',0); e=ctypes.get_errno(); "
                "print('ESCAPED' if r==0 or e not in (1,38) else '')")),
    Attempt("priv", "set the clock", f'date -s "@$(date +%s)" >/dev/null {OK}'),
    Attempt("priv", "sethostname", f"hostname $(hostname) {OK}"),
    # namespaces and mounts
    Attempt("mount", "mount a tmpfs", f"mkdir -p m && mount -t tmpfs none m {OK}"),
    Attempt("mount", "remount / read-write", f"mount -o remount,rw / {OK}"),
    Attempt("mount", "umount .git then write", f"umount .git && echo x > .git/x {OK}"),
    Attempt("mount", "new userns, umount .git", f"unshare -Urm sh -c 'umount -l .git && echo x > .git/x' {OK}"),
    Attempt("mount", "new userns, remount / rw", f"unshare -Urm mount -o remount,rw,bind / {OK}"),
    Attempt("mount", "chroot", f"chroot / true {OK}"),
    Attempt("mount", "new userns, chroot, write outside", f"unshare -Ur chroot / sh -c 'echo x > @OUT@/c' {OK}"),
    # processes
    Attempt("proc", "kill a host process", "kill -9 @PID@ 2>/dev/null; sleep 0.1", host_check=_sleeper_dead),
    Attempt("proc", "kill -1 everything", "kill -9 -1 2>/dev/null; true", host_check=_sleeper_dead),
    Attempt("proc", "ptrace a host process", f"[ -d /proc/@PID@ ] && gdb -batch -p @PID@ >/dev/null 2>&1 {OK}"),
    Attempt("proc", "a host process's /proc/PID/environ", f"grep -q {SECRET} /proc/@PID@/environ {OK}"),
    Attempt("proc", "burro's own /proc/PID/fd", f"ls /proc/@BURROPID@/fd >/dev/null {OK}"),
    Attempt("proc", "push keys into the terminal (TIOCSTI)",
            _py("import fcntl,termios; fcntl.ioctl(0, termios.TIOCSTI, b'#')") + f" {OK}", tty=True),
    # secrets
    Attempt("secret", "provider key in env", f"env | grep -q {SECRET} {OK}"),
    Attempt("secret", "cloud secrets in env", f"env | grep -q aws-audit-secret {OK}"),
    Attempt("secret", "URL with a password in env", f"env | grep -q pw-audit-secret {OK}"),
    Attempt("secret", "/proc/1/environ", f"grep -q {SECRET} /proc/1/environ {OK}"),
    Attempt("secret", "provider key via burro sandbox", f"env | grep -q {SECRET} {OK}", via_cli=True),
    # sockets and network
    Attempt("socket", "unix socket in the workspace", _py("import socket; s=socket.socket(socket.AF_UNIX); s.connect('@WS@/agent.sock'); print('ESCAPED')")),
    Attempt("socket", "unix socket in host /tmp (read-only)", _py("import socket; s=socket.socket(socket.AF_UNIX); s.connect('@TMPSOCK@'); print('ESCAPED')"), mode="read-only"),
    Attempt("socket", "abstract unix socket", _py("import socket; s=socket.socket(socket.AF_UNIX); s.connect('\\0@ABSTRACT@'); print('ESCAPED')")),
    Attempt("net", "TCP to a host loopback server", _py("import socket; socket.create_connection(('127.0.0.1', @PORT@), timeout=3); print('ESCAPED')")),
    Attempt("net", "outbound TCP", _py("import socket; socket.create_connection(('10.255.255.1', 80), timeout=3); print('ESCAPED')")),
    Attempt("net", "DNS lookup", _py("import socket; socket.getaddrinfo('example.com', 443); print('ESCAPED')")),
    # the audit's probe through the CLI
    Attempt("knob", "domainname via burro sandbox", _rewrite("/proc/sys/kernel/domainname"), via_cli=True,
            mode="read-only"),
]  # fmt: skip


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_API_KEY": SECRET,
        "AWS_SECRET_ACCESS_KEY": "aws-audit-secret",
        "DATABASE_URL": "postgres://app:pw-audit-secret@db/app",
    }


def _run(lab: Lab, attempt: Attempt) -> subprocess.CompletedProcess[str]:
    script = lab.fill(attempt.script)
    env = _env()
    if attempt.via_cli:
        code = "import sys; from burro.sandbox.cli import main; sys.exit(main(sys.argv[1:]))"
        argv = [sys.executable, "-c", code, "-s", attempt.mode, "--", "sh", "-c", script]
        env["BURRO_HOME"] = str(lab.home_out)
    else:
        policy = policy_for(
            attempt.mode,
            cwd=lab.ws,
            add_dirs=[lab.extra],
            network_access=attempt.network,
            burro_home=lab.ws / ".burro",
        )
        sandbox = BwrapSandbox(policy)
        argv = sandbox.wrap(["sh", "-c", script], cwd=lab.ws)
        env = filter_env(env, secret_vars=["OPENAI_API_KEY"], sandbox_name=sandbox.name)
    if attempt.tty:
        return _run_on_pty(argv, env=env, cwd=lab.ws)
    return subprocess.run(
        argv,
        cwd=lab.ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _run_on_pty(
    argv: list[str], *, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run with a terminal as stdin; an injected keystroke shows up on the master side."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env, stdin=slave, capture_output=True, text=True, timeout=60
        )
        os.set_blocking(master, False)
        try:
            injected = os.read(master, 100)
        except BlockingIOError:
            injected = b""
    finally:
        os.close(master)
        os.close(slave)
    stdout = proc.stdout if not injected else proc.stdout + "\nESCAPED (input injected)"
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, proc.stderr)


def main() -> int:
    if os.geteuid() != 0:
        print("note: not running as root; the root-only routes are not exercised", file=sys.stderr)
    base = Path(tempfile.mkdtemp(prefix="burro-audit-", dir="/var/tmp"))
    domainname = Path("/proc/sys/kernel/domainname").read_text()
    lab = Lab(base)
    lab.start()
    escaped: list[str] = []
    try:
        for attempt in ATTEMPTS:
            out = _run(lab, attempt)
            got_through = "ESCAPED" in out.stdout or (
                attempt.host_check is not None and attempt.host_check(lab)
            )
            label = f"{attempt.category}: {attempt.name} [{attempt.mode}{', cli' if attempt.via_cli else ''}]"
            if got_through:
                escaped.append(label)
                print(f"ESCAPED  {label}")
            _reset_workspace(lab)
    finally:
        lab.stop()
        if Path("/proc/sys/kernel/domainname").read_text() != domainname:
            Path("/proc/sys/kernel/domainname").write_text(domainname)
        for leftover in ("/etc/burro-audit", "/tmp/burro-audit-host", "/dev/shm/burro-audit"):
            Path(leftover).unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)
    tried = len(ATTEMPTS)
    print(f"escapes tried {tried}, blocked {tried - len(escaped)}")
    return 1 if escaped else 0


def _reset_workspace(lab: Lab) -> None:
    keep = {".git", "README.md", ".burro", "agent.sock"}
    for path in lab.ws.iterdir():
        if path.name not in keep:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
