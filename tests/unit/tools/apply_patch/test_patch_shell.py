"""Recognising apply_patch invocations hidden in shell commands."""

from __future__ import annotations

import pytest

from burro.tools.apply_patch import extract_shell_patch, parse_patch

PATCH = "*** Begin Patch\n*** Delete File: x.txt\n*** End Patch\n"


@pytest.mark.parametrize("quote", ["'EOF'", "EOF", '"EOF"'])
@pytest.mark.parametrize("name", ["apply_patch", "applypatch"])
def test_heredoc_script(quote: str, name: str) -> None:
    script = f"{name} <<{quote}\n{PATCH}EOF\n"
    assert extract_shell_patch(script) == (PATCH, None)


def test_cd_prefix_gives_workdir() -> None:
    assert extract_shell_patch(f"cd src/app && apply_patch <<'EOF'\n{PATCH}EOF") == (
        PATCH,
        "src/app",
    )
    assert extract_shell_patch(f"cd 'my dir' && apply_patch <<'PATCH'\n{PATCH}PATCH\n") == (
        PATCH,
        "my dir",
    )


@pytest.mark.parametrize("shell", ["bash", "/bin/bash", "zsh", "sh"])
@pytest.mark.parametrize("flag", ["-lc", "-c"])
def test_shell_argv(shell: str, flag: str) -> None:
    found = extract_shell_patch([shell, flag, f"apply_patch <<'EOF'\n{PATCH}EOF\n"])
    assert found == (PATCH, None)
    assert found is not None and parse_patch(found[0]).operations


def test_direct_argv() -> None:
    assert extract_shell_patch(["apply_patch", PATCH]) == (PATCH, None)
    assert extract_shell_patch(["applypatch", PATCH]) == (PATCH, None)


@pytest.mark.parametrize(
    "command",
    [
        "ls -la",
        f"apply_patch <<'EOF'\n{PATCH}EOF\nrm -rf /tmp/x\n",  # more after the heredoc
        f"echo hi && apply_patch <<'EOF'\n{PATCH}EOF\n",  # another statement first
        f"apply_patch <<'EOF'\n{PATCH}",  # unterminated heredoc
        f"apply_patch <<'EOF'\n{PATCH}END\n",  # wrong terminator
        ["bash", "-lc", "ls"],
        ["bash", "-x", f"apply_patch <<'EOF'\n{PATCH}EOF"],
        ["apply_patch"],
        ["apply_patch", PATCH, "extra"],
        ["python", "-c", f"apply_patch <<'EOF'\n{PATCH}EOF"],
        [],
    ],
)
def test_not_intercepted(command: str | list[str]) -> None:
    assert extract_shell_patch(command) is None
