"""burro's home is invisible to sandboxed commands: stored provider keys, the task
server's token and database, other sessions' files. A workspace inside it still works."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.integration.sandbox_kit import _need_bwrap, in_mode, run, ws

pytestmark = pytest.mark.usefixtures("_need_bwrap")
__all__ = ["_need_bwrap", "ws"]  # fixtures used here


def _home(tmp_path: Path) -> Path:
    # Not under /tmp: the sandbox's fresh /tmp would hide it anyway and prove nothing.
    home = Path("/var/tmp") / f"burro-home-{tmp_path.name}"
    (home / "serve").mkdir(parents=True, exist_ok=True)
    (home / "credentials.json").write_text('{"openai": "sk-SECRET"}')
    (home / "serve" / "token").write_text("SERVE-TOKEN")
    return home


@pytest.mark.parametrize("mode", ["read-only", "workspace-write"])
def test_burro_home_is_hidden(mode: str, ws: Path, tmp_path: Path) -> None:
    home = _home(tmp_path)
    try:
        policy = in_mode(mode, ws, burro_home=home)
        res = run(
            policy,
            f"cat {home}/credentials.json {home}/serve/token; ls -A {home}; cat README.md",
            cwd=ws,
        )
        assert "sk-SECRET" not in res.stdout and "SERVE-TOKEN" not in res.stdout
        assert "serve" not in res.stdout.split("hello")[0]  # the folder looks empty
        assert "hello" in res.stdout  # the workspace is still there
    finally:
        subprocess.run(["rm", "-rf", str(home)], check=False)


def test_a_workspace_inside_burro_home_still_works(tmp_path: Path) -> None:
    home = _home(tmp_path)
    try:
        work = home / "serve" / "work" / "task-1"
        work.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        (work / "a.txt").write_text("task file\n")
        for mode in ("read-only", "workspace-write"):
            policy = in_mode(mode, work, burro_home=home)
            res = run(policy, f"cat a.txt; cat {home}/serve/token; echo new > b.txt", cwd=work)
            assert "task file" in res.stdout and "SERVE-TOKEN" not in res.stdout
        assert (work / "b.txt").read_text() == "new\n"  # written in workspace-write
    finally:
        subprocess.run(["rm", "-rf", str(home)], check=False)
