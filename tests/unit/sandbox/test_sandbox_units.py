"""Policy building, the bubblewrap command line, the Seatbelt profile text, the command
environment, denial detection and shell splitting."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from burro.sandbox import (
    BwrapSandbox,
    NoSandbox,
    SandboxPolicy,
    SandboxUnavailable,
    SeatbeltSandbox,
    filter_env,
    is_dangerous,
    is_known_safe,
    looks_like_sandbox_denial,
    make_sandbox,
    offer_unsandboxed_retry,
    policy_for,
    seatbelt_profile,
    split_command,
)
from burro.sandbox.bwrap import find_bwrap
from burro.sandbox.seatbelt import seatbelt_params


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    subprocess.run(["git", "init", "-q", str(r)], check=True)
    return r


# --- policy_for -----------------------------------------------------------------------


def test_workspace_write_policy_roots_and_protected_paths(repo: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    home = repo / ".burro"
    policy = policy_for(
        "workspace-write",
        cwd=repo,
        writable_roots=["../extra", str(repo)],
        add_dirs=[tmp_path / "added"],
        burro_home=home,
    )
    assert policy.writable_roots == (str(repo), str(extra), str(tmp_path / "added"))
    assert policy.protected == (
        str(repo / ".git"),
        str(extra / ".git"),
        str(tmp_path / "added" / ".git"),
        str(home),
    )
    assert policy.network_disabled


def test_burro_home_outside_the_roots_is_not_listed(repo: Path, tmp_path: Path) -> None:
    policy = policy_for("workspace-write", cwd=repo, burro_home=tmp_path / "home")
    assert str(tmp_path / "home") not in policy.protected


def test_git_file_pointing_to_a_gitdir_inside_a_root_protects_both(tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    (wt / "meta").mkdir(parents=True)
    (wt / ".git").write_text("gitdir: meta\n")
    policy = policy_for("workspace-write", cwd=wt)
    assert policy.protected == (str(wt / ".git"), str(wt / "meta"))


def test_symlinked_cwd_resolves(tmp_path: Path, repo: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(repo)
    assert policy_for("workspace-write", cwd=link).writable_roots == (str(repo),)


def test_read_only_and_full_access_policies(repo: Path) -> None:
    ro = policy_for("read-only", cwd=repo)
    assert ro.writable_roots == () and ro.protected == () and ro.network_disabled
    assert not policy_for("read-only", cwd=repo, network_access=True).network_disabled
    full = policy_for("danger-full-access", cwd=repo)
    assert full.network_access and not full.network_disabled


# --- bubblewrap command line ----------------------------------------------------------


def _pairs(argv: list[str], flag: str) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == flag]


def test_bwrap_argv_for_workspace_write(repo: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    policy = policy_for("workspace-write", cwd=repo, add_dirs=[extra])
    sb = BwrapSandbox(policy, bwrap_path=find_bwrap() or "/usr/bin/bwrap")
    argv = sb.wrap(["echo", "hi"], cwd=repo)
    # In front of bwrap: the filter's fd opener (network off) and, as root, nsenter.
    assert argv[0] == "/bin/sh" and "/usr/bin/bwrap" in argv
    assert argv[-3:] == ["--", "echo", "hi"]
    for flag in ("--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert ("/", "/") in _pairs(argv, "--ro-bind")
    assert argv[argv.index("--tmpfs") + 1] == "/tmp"
    assert _pairs(argv, "--bind") == [(str(repo), str(repo)), (str(extra), str(extra))]
    assert (str(repo / ".git"), str(repo / ".git")) in _pairs(argv, "--ro-bind")
    # The missing .git of `extra` gets an empty read-only tmpfs, after the writable bind.
    i = argv.index(str(extra / ".git"))
    assert argv[i - 1] == "--tmpfs" and argv[i + 1 : i + 3] == ["--remount-ro", str(extra / ".git")]
    assert argv.index("--bind") < argv.index("--remount-ro")
    assert argv[argv.index("--chdir") + 1] == str(repo)
    assert sb.name == "bwrap"


def test_bwrap_argv_network_and_read_only(repo: Path) -> None:
    bw = find_bwrap() or "/usr/bin/bwrap"
    net = BwrapSandbox(policy_for("workspace-write", cwd=repo, network_access=True), bwrap_path=bw)
    assert "--unshare-net" not in net.wrap(["true"], cwd=repo)
    ro = BwrapSandbox(policy_for("read-only", cwd=repo), bwrap_path=bw).wrap(["true"], cwd=repo)
    assert "--bind" not in ro and "--tmpfs" not in ro
    assert "--unshare-net" in ro


def test_nested_roots_are_bound_parent_first(repo: Path) -> None:
    inner = repo / "a" / "b"
    inner.mkdir(parents=True)
    policy = SandboxPolicy(mode="workspace-write", writable_roots=(str(inner), str(repo)))
    argv = BwrapSandbox(policy, bwrap_path=find_bwrap() or "/usr/bin/bwrap").wrap(
        ["true"], cwd=repo
    )
    assert [src for src, _ in _pairs(argv, "--bind")] == [str(repo), str(inner)]


def test_full_access_is_the_identity_and_needs_no_bwrap(repo: Path) -> None:
    sb = BwrapSandbox(policy_for("danger-full-access", cwd=repo), bwrap_path="/nonexistent")
    assert sb.wrap(["ls", "-l"], cwd=repo) == ["ls", "-l"]
    assert isinstance(make_sandbox(policy_for("danger-full-access", cwd=repo)), NoSandbox)


def test_bwrap_is_never_taken_from_path_or_cwd(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = repo / "bwrap"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_bwrap(candidates=(str(repo / "missing"),)) is None
    monkeypatch.setenv("PATH", f"{repo}:{os.environ.get('PATH', '')}")
    monkeypatch.chdir(repo)
    assert find_bwrap() in (None, "/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap")


def test_missing_bwrap_message_names_the_mode(repo: Path) -> None:
    with pytest.raises(SandboxUnavailable, match="required for the read-only sandbox"):
        BwrapSandbox(policy_for("read-only", cwd=repo), bwrap_path="/nonexistent")


def test_make_sandbox_picks_the_platform(repo: Path) -> None:
    policy = policy_for("workspace-write", cwd=repo)
    if find_bwrap():
        assert make_sandbox(policy, platform="linux").name == "bwrap"
    with pytest.raises(SandboxUnavailable, match="danger-full-access"):
        make_sandbox(policy, platform="win32")
    if not os.path.exists("/usr/bin/sandbox-exec"):
        with pytest.raises(SandboxUnavailable, match="sandbox-exec"):
            make_sandbox(policy, platform="darwin")


# --- Seatbelt profile -----------------------------------------------------------------


def test_seatbelt_profile_for_workspace_write(repo: Path) -> None:
    policy = policy_for("workspace-write", cwd=repo, burro_home=repo / ".burro")
    text = seatbelt_profile(policy, cwd=repo)
    params = seatbelt_params(policy, cwd=repo)
    assert text.startswith("(version 1)\n(deny default)\n")
    assert "(allow file-read*)" in text
    assert params["WRITABLE_ROOT_0"] == str(repo)
    assert params["WRITABLE_ROOT_0_PROTECTED_0"] == str(repo / ".git")
    assert params["WRITABLE_ROOT_0_PROTECTED_1"] == str(repo / ".burro")
    assert (
        '(require-all (subpath (param "WRITABLE_ROOT_0")) '
        '(require-not (subpath (param "WRITABLE_ROOT_0_PROTECTED_0"))) '
        '(require-not (subpath (param "WRITABLE_ROOT_0_PROTECTED_1"))))'
    ) in text
    assert '(subpath (param "WRITABLE_ROOT_1"))' in text  # /private/tmp
    assert "network-outbound" not in text
    # Paths are parameters, never spliced into the profile.
    assert str(repo) not in text


def test_seatbelt_profile_network_and_read_only(repo: Path) -> None:
    net = seatbelt_profile(policy_for("workspace-write", cwd=repo, network_access=True), cwd=repo)
    assert "(allow network-outbound)" in net
    ro = seatbelt_profile(policy_for("read-only", cwd=repo), cwd=repo)
    assert "file-write*" not in ro
    assert "network-outbound" not in ro


def test_seatbelt_wrap_passes_paths_as_parameters(repo: Path, tmp_path: Path) -> None:
    exe = tmp_path / "sandbox-exec"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    policy = policy_for("workspace-write", cwd=repo)
    sb = SeatbeltSandbox(policy, sandbox_exec=str(exe))
    argv = sb.wrap(["make"], cwd=repo)
    assert argv[:2] == [str(exe), "-p"]
    assert argv[2] == seatbelt_profile(policy, cwd=repo)
    assert f"-DWRITABLE_ROOT_0={repo}" in argv
    assert argv[-2:] == ["--", "make"]
    assert sb.name == "seatbelt"


# --- environment ----------------------------------------------------------------------


def test_filter_env_drops_secrets_and_marks_the_sandbox() -> None:
    env = {
        "PATH": "/usr/bin",
        "OPENAI_API_KEY": "a",
        "MYPROVIDER_KEY": "b",
        "GH_TOKEN": "c",
        "aws_secret": "d",
        "KEEP_TOKEN": "e",
        "TMPDIR": "/var/folders/x",
        "BURRO_SANDBOX": "stale",
    }
    out = filter_env(
        env,
        secret_vars=["MYPROVIDER_KEY"],
        keep=["KEEP_TOKEN"],
        sandbox_name="bwrap",
        network_disabled=True,
    )
    assert out == {
        "PATH": "/usr/bin",
        "KEEP_TOKEN": "e",
        "TMPDIR": "/tmp",
        "BURRO_SANDBOX": "bwrap",
        "BURRO_SANDBOX_NETWORK_DISABLED": "1",
    }


def test_filter_env_unsandboxed_sets_no_markers() -> None:
    out = filter_env({"HOME": "/h", "BURRO_SANDBOX": "x"}, secret_vars=(), sandbox_name="none")
    assert out == {"HOME": "/h"}


# --- sandbox denials ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "output", "expected"),
    [
        (1, "touch: cannot touch 'x': Read-only file system", True),
        (1, "mkdir: cannot create directory: Permission denied", True),
        (1, "kill: (123) - Operation not permitted", True),
        (1, "curl: (6) Could not resolve host\nTemporary failure in name resolution", True),
        (159, "", True),  # SIGSYS
        (1, "AssertionError: 1 != 2", False),
        (0, "permission denied", False),
        (2, "Permission denied", False),
        (126, "Permission denied", False),
        (127, "sh: foo: not found", False),
    ],
)
def test_looks_like_sandbox_denial(code: int, output: str, expected: bool) -> None:
    assert looks_like_sandbox_denial(code, output) is expected


def test_retry_outside_the_sandbox_is_offered_only_when_the_policy_asks() -> None:
    denied = {"exit_code": 1, "output": "Read-only file system"}
    assert offer_unsandboxed_retry("on-failure", **denied)  # type: ignore[arg-type]
    assert offer_unsandboxed_retry("untrusted", **denied)  # type: ignore[arg-type]
    assert not offer_unsandboxed_retry("on-request", **denied)  # type: ignore[arg-type]
    assert not offer_unsandboxed_retry("never", **denied)  # type: ignore[arg-type]
    assert not offer_unsandboxed_retry("on-failure", exit_code=1, output="test failed")


# --- shell splitting and command safety -----------------------------------------------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("ls -la", [["ls", "-la"]]),
        ("git status && git diff || true", [["git", "status"], ["git", "diff"], ["true"]]),
        ("a | b; c\nd", [["a"], ["b"], ["c"], ["d"]]),
        ("echo 'a b' \"c d\" e\\ f", [["echo", "a b", "c d", "e f"]]),
        ("ls ';' rm", [["ls", ";", "rm"]]),
        ("ls 2>&1 >/dev/null", [["ls"]]),
        ("ls \\\n -la", [["ls", "-la"]]),
        ("ls;", [["ls"]]),
        ("", None),
        ("ls > f", None),
        ("ls 2> err.log", None),
        ("echo $(id)", None),
        ("echo `id`", None),
        ("echo $HOME", None),
        ('echo "${HOME}"', None),
        ("(ls)", None),
        ("ls *", None),
        ("A=1 ls", None),
        ("cat <<EOF\nx\nEOF", None),
        ("ls &", None),
        ("ls && ", None),
        ("&& ls", None),
        ("'unterminated", None),
        ("if true; then ls; fi", None),
        ("cat <(ls)", None),
    ],
)
def test_split_command(script: str, expected: list[list[str]] | None) -> None:
    assert split_command(script) == expected


def test_known_safe_edge_cases() -> None:
    assert is_known_safe(["git", "log", "-p"])
    assert not is_known_safe(["git", "-p", "log"])
    assert not is_known_safe(["git", "--git-dir=/x", "status"])
    assert not is_known_safe(["git", "branch", "-m", "new"])
    assert is_known_safe(["git", "branch", "--format=%(refname)"])
    assert not is_known_safe(["sed", "-n", "1p;w out", "f"])
    assert is_known_safe(["sed", "-n", "$p", "f"])
    assert not is_known_safe(["./ls"])
    assert not is_known_safe([])
    assert not is_known_safe(["bash", "-lc", "ls $(id)"])


def test_dangerous_edge_cases() -> None:
    assert not is_dangerous(["rm", "--", "-rf"])
    assert is_dangerous(["sudo", "-u", "root", "rm", "-fr", "x"])
    assert is_dangerous(["xargs", "-0", "-n", "1", "rm", "-r"])
    assert is_dangerous(["bash", "-c", "echo $(git reset --hard)"])
    assert not is_dangerous(["git", "reset", "--soft", "HEAD~1"])
    assert not is_dangerous(["dd", "if=a"])
    assert not is_dangerous([])
