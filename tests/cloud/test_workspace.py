"""How a task's workspace is made: a git URL and a base ref, the setup script (its files
are the environment, not the result; it never sees credentials), a failing setup."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cloud.harness import steps

# The workspace does not depend on the store: SQLite only.
pytestmark = pytest.mark.parametrize("database_args", [[]])


def _commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
        cwd=repo,
        check=True,
    )
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_git_url_and_base_ref(make_serve, committed_repo: Path) -> None:
    first = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=committed_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    (committed_repo / "README.md").write_text("second version\n")
    _commit(committed_repo, "second")
    serve, _ = make_serve(lambda i: steps("cat README.md > seen.txt"))
    task_id = serve.submit("look", "--repo", f"file://{committed_repo}", "--base", first)
    assert serve.wait(task_id).returncode == 0, serve.log()
    assert serve.task(task_id)["base_commit"] == first
    diff = serve.cli("diff", task_id).stdout
    assert "+# demo" in diff and "second version" not in diff


def test_setup_script_prepares_the_workspace(make_serve, committed_repo: Path) -> None:
    (committed_repo / ".burro").mkdir()
    (committed_repo / ".burro" / "setup.sh").write_text(
        "mkdir -p vendor && echo dep > vendor/dep.txt\n"
        'echo "key=${FAKE_KEY:-none}" > vendor/env.txt\n'
    )
    _commit(committed_repo, "setup")
    serve, _ = make_serve(lambda i: steps("cat vendor/dep.txt vendor/env.txt > used.txt"))
    task_id = serve.submit("use the dependency")
    assert serve.wait(task_id).returncode == 0, serve.log()
    diff = serve.cli("diff", task_id).stdout
    assert "+++ b/used.txt" in diff and "+dep" in diff
    assert "+key=none" in diff  # the setup script never sees the provider key
    assert "vendor/" not in diff.replace("cat vendor/", "")  # setup's files are not the result
    events = serve.cli("logs", task_id, "--json").stdout
    assert "setup script finished" in events


def test_failing_setup_fails_the_task_with_its_output(make_serve) -> None:
    serve, _ = make_serve(lambda i: steps(final="never"))
    setup = serve.home / "bad-setup.sh"
    setup.write_text("echo installing; echo 'no such package' >&2; exit 7\n")
    task_id = serve.submit("x", "--setup", str(setup))
    waited = serve.wait(task_id)
    assert waited.returncode == 1
    error = serve.task(task_id)["attempts"][0]["error"]
    assert "setup script failed with exit code 7" in error and "no such package" in error
