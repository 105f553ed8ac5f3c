"""Typed form of a parsed patch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AddFile:
    """Create (or overwrite) ``path`` with ``contents``."""

    path: str
    contents: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class DeleteFile:
    """Remove the file ``path``."""

    path: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    """One ``@@`` section of an update.

    ``old_lines`` (context + removed) are replaced by ``new_lines`` (context + added).
    ``anchor`` is the text after ``@@ ``, a line to seek to before matching.
    ``end_of_file`` means the old lines must be at the end of the file.
    ``context`` maps each new line to the index of the same context line in
    ``old_lines`` (-1 for added lines), so context keeps the file's exact text."""

    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]
    anchor: str | None = None
    end_of_file: bool = False
    line: int = 0
    context: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UpdateFile:
    """Edit ``path`` chunk by chunk, optionally moving it to ``move_to``."""

    path: str
    chunks: tuple[Chunk, ...]
    move_to: str | None = None
    line: int = 0


Operation = AddFile | DeleteFile | UpdateFile


@dataclass(frozen=True, slots=True)
class Patch:
    """A parsed patch: file operations in the order they are applied."""

    operations: tuple[Operation, ...]
