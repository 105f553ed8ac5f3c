"""The file seam: where tools read and write the user's text files.

The default is the disk. A front end whose client holds the files (an editor with
unsaved buffers, through ACP's ``fs/read_text_file`` and ``fs/write_text_file``) passes
its own ``FileAccess`` to the session; tools ask it first and use the disk when it has
no copy of its own. Whether a write is allowed at all is decided before (the sandbox's
writable roots and the approval policy, in the core's patch gate), never here."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class FileAccess(Protocol):
    async def read_text(self, path: Path) -> str | None:
        """The text of ``path`` as the user sees it, or None when this access keeps no
        copy of its own (the tool then reads the disk, with its own limits)."""
        ...

    async def write_text(self, path: Path, text: str) -> bool:
        """Write ``text`` to ``path`` where the user sees it (creating the file); False
        when this access does not take writes (the tool then writes the disk). Raises
        OSError when the write was refused or failed."""
        ...


class DiskFiles:
    """The default: no copies of its own; tools read and write the disk themselves."""

    async def read_text(self, path: Path) -> str | None:
        return None

    async def write_text(self, path: Path, text: str) -> bool:
        return False
