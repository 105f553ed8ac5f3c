"""What a task's commands can and cannot reach: never the provider key, never a file
outside the workspace."""

from __future__ import annotations

from pathlib import Path

from tests.cloud.harness import SQLITE_ONLY, steps

KEY = "sk-fake-provider-key"  # FAKE_KEY in the worker's environment (harness.cloud_env)


@SQLITE_ONLY
def test_commands_cannot_read_the_key_or_write_outside_the_workspace(
    make_serve, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    serve, fake = make_serve(
        lambda i: steps(
            "(env; cat /proc/*/environ; cat /proc/1/environ) 2>/dev/null | tr '\\0' '\\n' > seen.txt; true",
            f"echo x > {outside}/escape.txt; echo y > $HOME/escape.txt; echo z > ../escape.txt; true",
            final="tried",
        )
    )
    task_id = serve.submit("probe")
    assert serve.wait(task_id).returncode == 0, serve.log()
    diff = serve.cli("diff", task_id).stdout
    assert "+++ b/seen.txt" in diff and "PATH=" in diff  # the probe did run and saw its env
    assert KEY not in diff
    assert "FAKE_KEY" not in diff
    # The key reached the model server (the worker has it), never the commands.
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert not (outside / "escape.txt").exists()
    assert not list(serve.home.rglob("escape.txt"))
    assert not list(Path.home().glob("escape.txt"))
