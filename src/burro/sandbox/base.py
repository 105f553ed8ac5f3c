"""The sandbox seam: turn a command's argv into the argv that actually runs."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Sandbox(Protocol):
    name: str

    def ready(self) -> None:
        """Wait until the sandbox can run commands (what it prepares in the background
        at construction); SandboxUnavailable when it cannot."""
        ...

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        """Return the argv to execute so that ``argv`` runs under this sandbox."""
        ...


class NoSandbox:
    """Runs commands as they are (danger-full-access)."""

    name = "none"

    def ready(self) -> None:
        return None

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        return list(argv)
