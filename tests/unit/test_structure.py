"""Project rules that are cheap to check on every run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pydantic", "rich", "textual", "openai", "anthropic")


def test_no_source_file_over_800_lines() -> None:
    too_long = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        n = sum(1 for _ in path.open(encoding="utf-8"))
        if n > 800:
            too_long.append(f"{path.relative_to(ROOT)}: {n} lines")
    assert not too_long, "split these files by responsibility:\n" + "\n".join(too_long)


def _imported_modules(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    mods = set()
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            mods.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return mods


def test_version_and_exec_paths_import_nothing_heavy() -> None:
    code = (
        "import burro.cli, burro.frontends.exec.runner, burro.protocol.codex_exec, "
        "burro.frontends.exec.human, burro.core.api, burro.models, burro.tools, burro.config"
    )
    mods = _imported_modules(code)
    assert not (mods & set(HEAVY)), f"heavy imports on the startup path: {mods & set(HEAVY)}"


def _burro_imports(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_above_core_only_core_api_is_imported() -> None:
    """An allow-list: front ends, review and the CLI may import `burro.core.api` and
    nothing else of `burro.core` (a new core module is covered without editing a list)."""
    offenders = []
    above: list[Path] = []
    for part in ("cli", "frontends", "review"):
        folder = ROOT / "src/burro" / part
        above.extend(folder.rglob("*.py") if folder.is_dir() else [folder.with_suffix(".py")])
    for path in above:
        for mod in _burro_imports(path):
            if mod == "burro.core" or (
                mod.startswith("burro.core.") and not mod.startswith("burro.core.api")
            ):
                offenders.append(f"{path.relative_to(ROOT)}: {mod}")
    assert not offenders, "use burro.core.api instead:\n" + "\n".join(sorted(offenders))
