"""Parse ``*** Begin Patch`` text into a typed Patch.

Lenient where models are sloppy: whitespace around markers and file headers, a patch
wrapped in a shell heredoc, blank lines between operations, unified-diff style ``@@``
headers. Errors name the line number (1-based, in the text as given) and quote the line.
"""

from __future__ import annotations

import re

from burro.tools.apply_patch._model import AddFile, Chunk, DeleteFile, Operation, Patch, UpdateFile
from burro.tools.apply_patch.errors import PatchParseError

BEGIN = "*** Begin Patch"
END = "*** End Patch"
ADD = "*** Add File:"
DELETE = "*** Delete File:"
UPDATE = "*** Update File:"
MOVE = "*** Move to:"
EOF_MARK = "*** End of File"
_OP_HEADERS = (ADD, DELETE, UPDATE, END)

_HEREDOC_START = re.compile(r"^(?:apply_?patch\s*)?<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1$")
_DIFF_RANGE = re.compile(r"^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$")


def split_lines(text: str) -> list[str]:
    """Split on ``\\n``, dropping one ``\\r`` before each break (CRLF patches)."""
    lines = text.split("\n")
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _body(text: str) -> tuple[list[str], int]:
    """The lines between the Begin/End markers and the line number of the first one."""
    stripped = text.strip()
    lead = text[: len(text) - len(text.lstrip())].count("\n")
    lines = split_lines(stripped)
    if lines[0].strip() == BEGIN and len(lines) >= 2 and lines[-1].strip() == END:
        return lines[1:-1], lead + 2
    start = _HEREDOC_START.match(lines[0].strip())
    if start and len(lines) >= 4 and lines[-1].strip().endswith(start.group(2)):
        inner = lines[1:-1]
        first = lead + 2
        while inner and not inner[0].strip():
            inner.pop(0)
            first += 1
        while inner and not inner[-1].strip():
            inner.pop()
        if len(inner) >= 2 and inner[0].strip() == BEGIN and inner[-1].strip() == END:
            return inner[1:-1], first + 1
        lines = inner or lines
    if lines[0].strip() != BEGIN:
        raise PatchParseError(
            f"invalid patch: the first line must be '{BEGIN}', got '{lines[0]}'", line=lead + 1
        )
    raise PatchParseError(
        f"invalid patch: the last line must be '{END}', got '{lines[-1]}'",
        line=lead + len(split_lines(stripped)),
    )


def _is_op_header(line: str) -> bool:
    """A file-operation header (or End Patch) that ends an update's chunks.

    A header indented by exactly one space is a context line quoting such text."""
    if line.startswith("***"):
        return True
    stripped = line.lstrip()
    if not stripped.startswith(_OP_HEADERS):
        return False
    return line[: len(line) - len(stripped)] != " "


def _header_path(line: str, prefix: str, lineno: int) -> str:
    path = line.strip()[len(prefix) :].strip()
    if not path:
        raise PatchParseError(
            f"invalid patch at line {lineno}: missing file path in '{line}'", line=lineno
        )
    return path


def _chunk_header(line: str) -> tuple[bool, str | None]:
    """(is a ``@@`` header, anchor text or None)."""
    text = line.rstrip()
    if text != "@@" and not text.startswith("@@ "):
        return False, None
    rest = text[3:].strip()
    diff = _DIFF_RANGE.match(rest)
    if diff:
        rest = diff.group(1).strip()
    return True, (rest or None)


def _parse_chunk(lines: list[str], i: int, first: int, *, allow_bare: bool) -> tuple[Chunk, int]:
    start_line = first + i
    is_header, anchor = _chunk_header(lines[i])
    if is_header:
        i += 1
    elif not allow_bare:
        raise PatchParseError(
            f"invalid patch at line {start_line}: expected a '@@' chunk header, got '{lines[i]}'",
            line=start_line,
        )
    old: list[str] = []
    new: list[str] = []
    context: list[int] = []
    count = 0
    eof = False
    while i < len(lines):
        raw = lines[i]
        if raw.strip() == EOF_MARK:
            eof = True
            i += 1
            break
        if _is_op_header(raw):
            break
        tag = raw[:1]
        if tag in ("", " "):
            context.append(len(old))
            old.append(raw[1:])
            new.append(raw[1:])
        elif tag == "+":
            context.append(-1)
            new.append(raw[1:])
        elif tag == "-":
            old.append(raw[1:])
        elif count == 0 and not _chunk_header(raw)[0]:
            raise PatchParseError(
                f"invalid patch at line {first + i}: unexpected line '{raw}' in update chunk; "
                "every line must start with ' ' (context), '+' (added) or '-' (removed)",
                line=first + i,
            )
        else:
            break
        count += 1
        i += 1
    if count == 0:
        raise PatchParseError(
            f"invalid patch at line {start_line}: chunk '{lines[start_line - first]}' has no "
            "lines; add ' ', '+' or '-' lines after it",
            line=start_line,
        )
    chunk = Chunk(
        tuple(old),
        tuple(new),
        anchor=anchor,
        end_of_file=eof,
        line=start_line,
        context=tuple(context),
    )
    return chunk, i


def _parse_update(lines: list[str], i: int, first: int) -> tuple[UpdateFile, int]:
    header = lines[i]
    lineno = first + i
    path = _header_path(header, UPDATE, lineno)
    i += 1
    move_to = None
    if i < len(lines) and lines[i].strip().startswith(MOVE):
        move_to = _header_path(lines[i], MOVE, first + i)
        i += 1
    chunks: list[Chunk] = []
    while i < len(lines):
        raw = lines[i]
        if _is_op_header(raw):
            break
        if not raw.strip():
            i += 1
            continue
        chunk, i = _parse_chunk(lines, i, first, allow_bare=not chunks)
        chunks.append(chunk)
    if not chunks:
        raise PatchParseError(
            f"invalid patch at line {lineno}: '{header.strip()}' has no changes; "
            "add at least one '@@' chunk",
            line=lineno,
        )
    return UpdateFile(path, tuple(chunks), move_to=move_to, line=lineno), i


def parse_patch(text: str) -> Patch:
    """Parse patch text. Raises PatchParseError naming the offending line."""
    lines, first = _body(text)
    ops: list[Operation] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        lineno = first + i
        if not line:
            i += 1
        elif line.startswith(ADD):
            path = _header_path(raw, ADD, lineno)
            i += 1
            content: list[str] = []
            while i < len(lines) and lines[i].startswith("+"):
                content.append(lines[i][1:] + "\n")
                i += 1
            ops.append(AddFile(path, "".join(content), line=lineno))
        elif line.startswith(DELETE):
            ops.append(DeleteFile(_header_path(raw, DELETE, lineno), line=lineno))
            i += 1
        elif line.startswith(UPDATE):
            op, i = _parse_update(lines, i, first)
            ops.append(op)
        else:
            raise PatchParseError(
                f"invalid patch at line {lineno}: '{raw}' is not a valid file operation; "
                f"expected '{ADD} PATH', '{DELETE} PATH' or '{UPDATE} PATH'",
                line=lineno,
            )
    if not ops:
        raise PatchParseError(
            f"invalid patch: no file operations between '{BEGIN}' and '{END}'; "
            "no files were modified"
        )
    return Patch(tuple(ops))
