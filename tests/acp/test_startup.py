"""The editor front ends cost nothing until they are used: `burro exec` and `burro --help`
import neither the ACP SDK nor the app-server, and both commands are listed."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import BURRO

_CHECK = """
import sys
from burro.cli import main
for argv in (["--help"], ["exec", "--help"], ["acp", "--help"], ["app-server", "--help"]):
    try:
        main(argv, standalone_mode=False)
    except SystemExit:
        pass
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("acp", "pydantic")
                or m.startswith(("burro.frontends.acp", "burro.frontends.app_server")))
print("LOADED", loaded)
"""


def test_help_and_exec_import_no_editor_sdk() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert "LOADED []" in out.stdout, out.stdout[-2000:]


def test_both_commands_are_listed() -> None:
    out = subprocess.run([str(BURRO), "--help"], capture_output=True, text=True, timeout=60)
    assert " acp " in out.stdout and " app-server " in out.stdout
