"""What every end-to-end test needs besides the fake model: a real git repository and
the config overrides that point burro at the fake server."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    (path / "README.md").write_text("# demo\nhello from the demo repo\n", encoding="utf-8")
    return path


def fake_provider_overrides(
    base_url: str, wire: str = "responses", *, extra: str = ""
) -> list[str]:
    """``-c`` values selecting a provider `fake` at ``base_url`` (key in $FAKE_KEY)."""
    table = (
        f'{{name="fake",base_url="{base_url}",wire_api="{wire}",env_key="FAKE_KEY",'
        f"retry_base_delay_ms=10{extra}}}"
    )
    return ["model_provider=fake", f"model_providers.fake={table}"]
