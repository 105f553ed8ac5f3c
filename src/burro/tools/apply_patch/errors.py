"""The exception tree of the apply_patch package: PatchError and its two kinds."""

from __future__ import annotations

from burro.protocol.common import ErrorInfo, FileChange


class PatchError(Exception):
    """A patch could not be parsed or applied. The message is meant for the model/user."""

    code = "patch_error"
    retryable = False

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=str(self), retryable=self.retryable)


class PatchParseError(PatchError):
    """The patch text does not follow the ``*** Begin Patch`` format."""

    code = "patch_parse_error"

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class PatchApplyError(PatchError):
    """An operation could not be applied. ``applied`` lists the operations that were
    written before the failure (they stay applied); ``path`` is the failing target."""

    code = "patch_apply_error"

    def __init__(self, message: str, *, path: str, applied: list[FileChange] | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.applied: list[FileChange] = list(applied or [])
