"""AGENTS.md discovery and the environment context the model sees first."""

from __future__ import annotations

import subprocess
from pathlib import Path

from burro.config import load_settings
from burro.core.context import discover_agents_md, initial_context


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg" / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "AGENTS.md").write_text("root rules\n")
    (root / "pkg" / "AGENTS.md").write_text("pkg rules\n")
    (root / "pkg" / "AGENTS.override.md").write_text("pkg override wins\n")
    (root / "pkg" / "sub" / "NOTES.md").write_text("fallback doc\n")
    return root


def test_files_from_root_down_to_cwd_in_order(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    files, text, truncated = discover_agents_md(root / "pkg" / "sub", max_bytes=10_000)
    assert [p.relative_to(root).as_posix() for p in files] == [
        "AGENTS.md",
        "pkg/AGENTS.override.md",
    ]
    assert text == "root rules\n\npkg override wins"
    assert not truncated
    files, text, _ = discover_agents_md(
        root / "pkg" / "sub", max_bytes=10_000, fallback_names=("NOTES.md",)
    )
    assert text.endswith("fallback doc")


def test_size_cap_truncates(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _, text, truncated = discover_agents_md(root / "pkg", max_bytes=15)
    assert truncated and len(text.encode()) <= 15 and text.startswith("root rules")
    assert discover_agents_md(root, max_bytes=0) == ([], "", False)


def test_outside_a_repo_only_cwd_is_searched(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("parent\n")
    child = tmp_path / "child"
    child.mkdir()
    (child / "AGENTS.md").write_text("child only\n")
    assert discover_agents_md(child, max_bytes=100)[1] == "child only"


def test_initial_context_has_instructions_and_environment(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "AGENTS.md").write_text("global preference\n")
    settings = load_settings(cwd=root / "pkg", env={"BURRO_HOME": str(home)})
    dev, user = initial_context(settings, env={"SHELL": "/bin/zsh"})
    assert dev.role == "developer" and "<permissions instructions>" in dev.text()
    text = user.text()
    assert f"# AGENTS.md instructions for {root / 'pkg'}" in text
    assert (
        text.index("global preference") < text.index("root rules") < text.index("pkg override wins")
    )
    assert "<environment_context>" in text and f"<cwd>{root / 'pkg'}</cwd>" in text
    assert "<current_date>" in text
    assert "<shell>zsh</shell>" in text  # from the env the session was given
