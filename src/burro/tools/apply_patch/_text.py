"""A file's text as lines, and fuzzy search of line sequences in it.

Lines are kept without their endings; endings are remembered so a CRLF file stays CRLF
and untouched lines keep exactly the bytes they had. Search runs four passes (exact,
trailing whitespace ignored, surrounding whitespace ignored, and that plus typographic
punctuation folded to ASCII); each pass's normalised copy of the file is built once,
on first use, and reused for every chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

_BOM = "\ufeff"

_PUNCT = {
    **dict.fromkeys(range(0x2010, 0x2016), "-"),
    0x2212: "-",
    **dict.fromkeys(range(0x2018, 0x201C), "'"),
    **dict.fromkeys(range(0x201C, 0x2020), '"'),
    0x00A0: " ",
    **dict.fromkeys(range(0x2002, 0x200B), " "),
    0x202F: " ",
    0x205F: " ",
    0x3000: " ",
}


def _fold(line: str) -> str:
    return line.strip().translate(_PUNCT)


_PASSES: tuple[Callable[[str], str] | None, ...] = (None, str.rstrip, str.strip, _fold)


class FileText:
    """Decoded file content: ``lines`` (no endings) + per-line endings."""

    def __init__(self, lines: list[str], endings: list[str] | None, *, eol: str, bom: bool):
        self.lines = lines
        # None means every line ends with "\n" (the common case, kept cheap).
        self.endings = endings
        self.eol = eol
        self.bom = bom
        self._norm: dict[int, list[str]] = {}

    @classmethod
    def decode(cls, data: bytes) -> FileText:
        text = data.decode("utf-8", errors="surrogateescape")
        bom = text.startswith(_BOM)
        if bom:
            text = text[1:]
        if not text:
            return cls([], None, eol="\n", bom=bom)
        lf = text.count("\n")
        crlf = text.count("\r\n")
        pieces = text.split("\n")
        last = pieces.pop()  # text after the final newline ("" if it ends with one)
        if crlf == 0:
            endings = None
        elif crlf == lf:
            pieces = [p[:-1] for p in pieces]
            endings = ["\r\n"] * len(pieces)
        else:
            endings = []
            for k, p in enumerate(pieces):
                if p.endswith("\r"):
                    pieces[k] = p[:-1]
                    endings.append("\r\n")
                else:
                    endings.append("\n")
        eol = "\r\n" if crlf * 2 > lf else "\n"
        if last:
            pieces.append(last)
            if endings is not None:
                endings.append("")
        return cls(pieces, endings, eol=eol, bom=bom)

    def encode(self) -> bytes:
        """The content with every line terminated (a missing final newline is added)."""
        if not self.lines:
            out = ""
        elif self.endings is None:
            out = "\n".join(self.lines) + "\n"
        else:
            out = "".join(
                line + (end or self.eol) for line, end in zip(self.lines, self.endings, strict=True)
            )
        if self.bom:
            out = _BOM + out
        return out.encode("utf-8", errors="surrogateescape")

    def _pass_lines(self, k: int) -> list[str]:
        norm = _PASSES[k]
        if norm is None:
            return self.lines
        cached = self._norm.get(k)
        if cached is None:
            cached = self._norm[k] = [norm(line) for line in self.lines]
        return cached

    def seek(self, pattern: Sequence[str], start: int, *, eof: bool = False) -> int | None:
        """Index of the first occurrence of ``pattern`` at or after ``start``, or None.

        With ``eof`` the pattern is first tried at the very end of the file."""
        n, m = len(self.lines), len(pattern)
        if m == 0:
            return start
        if m > n:
            return None
        if eof and n - m >= start:
            for k in range(len(_PASSES)):
                if self._match_at(k, pattern, n - m):
                    return n - m
        for k in range(len(_PASSES)):
            found = self._scan(k, pattern, start)
            if found is not None:
                return found
        return None

    def _norm_pattern(self, k: int, pattern: Sequence[str]) -> list[str]:
        norm = _PASSES[k]
        return list(pattern) if norm is None else [norm(p) for p in pattern]

    def _match_at(self, k: int, pattern: Sequence[str], pos: int) -> bool:
        lines = self._pass_lines(k)
        return lines[pos : pos + len(pattern)] == self._norm_pattern(k, pattern)

    def _scan(self, k: int, pattern: Sequence[str], start: int) -> int | None:
        lines = self._pass_lines(k)
        pat = self._norm_pattern(k, pattern)
        m = len(pat)
        last = len(lines) - m  # last valid start index
        head = pat[0]
        i = max(start, 0)
        while i <= last:
            try:
                i = lines.index(head, i, last + 1)
            except ValueError:
                return None
            if m == 1 or lines[i + 1 : i + m] == pat[1:]:
                return i
            i += 1
        return None

    def replace(self, edits: Sequence[tuple[int, int, Sequence[str]]]) -> FileText:
        """A new FileText with each (start, old_len, new_lines) applied; edits sorted by start."""
        lines: list[str] = []
        endings: list[str] | None = None if self.endings is None and self.eol == "\n" else []
        pos = 0
        for start, old_len, new in edits:
            lines.extend(self.lines[pos:start])
            lines.extend(new)
            if endings is not None:
                endings.extend(self._endings(pos, start))
                endings.extend([self.eol] * len(new))
            pos = start + old_len
        lines.extend(self.lines[pos:])
        if endings is not None:
            endings.extend(self._endings(pos, len(self.lines)))
        return FileText(lines, endings, eol=self.eol, bom=self.bom)

    def _endings(self, a: int, b: int) -> list[str]:
        if self.endings is None:
            return ["\n"] * (b - a)
        return self.endings[a:b]
