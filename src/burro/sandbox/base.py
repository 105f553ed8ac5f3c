"""The sandbox seam: turn a command's argv into the argv that actually runs."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Sandbox(Protocol):
    name: str

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        """Return the argv to execute so that ``argv`` runs under this sandbox."""
        ...


class NoSandbox:
    """Runs commands as they are (danger-full-access)."""

    name = "none"

    def wrap(self, argv: list[str], *, cwd: Path) -> list[str]:
        return list(argv)
