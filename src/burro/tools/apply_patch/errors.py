"""The exception tree of the apply_patch package: PatchError and its two kinds."""

from __future__ import annotations

from burro.protocol.common import FileChange
from burro.protocol.errors import BurroError, ErrorCode


class PatchError(BurroError):
    """A patch could not be parsed or applied. The message is meant for the model/user."""

    code: ErrorCode = "patch_error"


class PatchParseError(PatchError):
    """The patch text does not follow the ``*** Begin Patch`` format."""

    code: ErrorCode = "patch_parse_error"

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class PatchApplyError(PatchError):
    """An operation could not be applied. ``applied`` lists the operations that were
    written before the failure (they stay applied); ``path`` is the failing target."""

    code: ErrorCode = "patch_apply_error"

    def __init__(self, message: str, *, path: str, applied: list[FileChange] | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.applied: list[FileChange] = list(applied or [])
