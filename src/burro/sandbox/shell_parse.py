"""A small shell tokenizer: enough to split plain scripts into commands, and to find
every command word sequence (also inside substitutions) in scripts that are not plain.

Plain means: words (quoted or not) joined by ``&&``, ``||``, ``;``, ``|`` or newlines,
with no expansions (``$``, backticks, globs, ``~``, braces), no subshells or groups, no
assignments, no heredocs and no redirections other than to file descriptors or
``/dev/null``. Anything else is "opaque": it is never judged safe, but it is still
scanned (leniently) for dangerous or forbidden commands.
"""

from __future__ import annotations

import re

import msgspec

_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")", "\n")
_REDIRS = ("<<<", "<<-", "&>>", "<<", ">>", "&>", ">&", "<&", ">|", "<>", "<", ">")
_GLOB = set("*?[]{}")
_KEYWORDS = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "function",
        "select",
        "time",
        "coproc",
        "!",
        "{",
        "}",
        "[[",
        "]]",
    ]
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FD_TARGET = re.compile(r"\d+|-")
_DEVNULL_REDIRS = re.compile(r"\d*>>?|&>>?|\d*>\|")
_FD_REDIRS = re.compile(r"\d*[<>]&")
_SHELLS = frozenset({"bash", "sh", "zsh", "dash"})


class _Tok(msgspec.Struct):
    kind: str  # "word" | "op" | "redir"
    text: str
    plain: bool = True
    assign: bool = False


class _Lexed(msgspec.Struct):
    tokens: list[_Tok] = msgspec.field(default_factory=list)
    nested: list[str] = msgspec.field(default_factory=list)  # scripts in $(..), `..`, <(..)
    ok: bool = True  # False: unterminated quote or substitution
    comment: bool = False
    heredoc: bool = False


def _matching_paren(s: str, i: int) -> int:
    """Index just past the ``)`` closing the ``(`` before ``s[i]``; -1 when unterminated."""
    depth = 1
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            if j < 0:
                return -1
            i = j + 1
            continue
        if c == '"':
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
            i += 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _backtick_end(s: str, i: int) -> int:
    """Index just past the backtick closing the one before ``s[i]``; -1 when unterminated."""
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == "`":
            return i + 1
        i += 1
    return -1


def _dollar(s: str, i: int, out: _Lexed) -> tuple[str, int]:
    """Consume a ``$`` expansion at ``s[i]``; returns its raw text and the next index."""
    nxt = s[i + 1] if i + 1 < len(s) else ""
    if nxt == "(":
        end = _matching_paren(s, i + 2)
        if end < 0:
            out.ok = False
            return s[i:], len(s)
        inner = s[i + 2 : end - 1]
        out.nested.append(inner[1:-1] if inner.startswith("(") else inner)
        return s[i:end], end
    if nxt == "{":
        end = s.find("}", i + 2)
        if end < 0:
            out.ok = False
            return s[i:], len(s)
        return s[i : end + 1], end + 1
    if nxt == "'":
        end = i + 2
        while end < len(s) and s[end] != "'":
            end += 2 if s[end] == "\\" else 1
        return s[i : end + 1], end + 1
    m = _NAME.match(s, i + 1)
    if m:
        return s[i : m.end()], m.end()
    if nxt and nxt in "0123456789@*#?$!-":
        return s[i : i + 2], i + 2
    return "$", i + 1


def lex(script: str) -> _Lexed:
    out = _Lexed()
    s = script
    n = len(s)
    i = 0
    pending_heredocs: list[tuple[str, bool, bool]] = []  # delimiter, quoted, strip tabs
    want_delim: tuple[bool] | None = None
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
            continue
        if c == "\\" and i + 1 < n and s[i + 1] == "\n":
            i += 2
            continue
        if c == "#":
            out.comment = True
            while i < n and s[i] != "\n":
                i += 1
            continue
        if c == "\n":
            out.tokens.append(_Tok("op", "\n"))
            i += 1
            for delim, quoted, strip in pending_heredocs:
                i = _heredoc_body(s, i, delim, quoted=quoted, strip=strip, out=out)
            pending_heredocs.clear()
            continue
        if c in "<>" and i + 1 < n and s[i + 1] == "(":
            end = _matching_paren(s, i + 2)
            if end < 0:
                out.ok = False
                return out
            out.nested.append(s[i + 2 : end - 1])
            out.tokens.append(_Tok("word", s[i:end], plain=False))
            i = end
            continue
        op = next((o for o in _REDIRS if s.startswith(o, i)), None)
        if op is not None:
            out.tokens.append(_Tok("redir", op))
            i += len(op)
            if op in ("<<", "<<-"):
                out.heredoc = True
                want_delim = (op == "<<-",)
            continue
        op = next((o for o in _OPERATORS if s.startswith(o, i)), None)
        if op is not None:
            out.tokens.append(_Tok("op", op))
            i += len(op)
            continue
        word, quoted, i = _word(s, i, out)
        if want_delim is not None:
            pending_heredocs.append((word.text, quoted, want_delim[0]))
            want_delim = None
        # A run of digits right before a redirection is its file descriptor.
        if word.text.isdigit() and not quoted and i < n and s[i] in "<>":
            op = next((o for o in _REDIRS if s.startswith(o, i)), None)
            if op is not None and op not in ("<<", "<<-", "<<<"):
                out.tokens.append(_Tok("redir", word.text + op))
                i += len(op)
                continue
        out.tokens.append(word)
    if pending_heredocs or want_delim is not None:
        out.ok = False
    return out


def _word(s: str, i: int, out: _Lexed) -> tuple[_Tok, bool, int]:
    """Read one word starting at ``s[i]``; returns it, whether any part was quoted, next i."""
    n = len(s)
    text: list[str] = []
    plain = True
    quoted = False
    assign = False
    start = i
    while i < n:
        c = s[i]
        if c in " \t\n;&|()<>":
            break
        if c == "\\":
            if i + 1 < n:
                text.append(s[i + 1])
            quoted = True
            i += 2
            continue
        if c == "'":
            end = s.find("'", i + 1)
            if end < 0:
                out.ok = False
                text.append(s[i + 1 :])
                i = n
                break
            text.append(s[i + 1 : end])
            quoted = True
            i = end + 1
            continue
        if c == '"':
            quoted = True
            i += 1
            while i < n and s[i] != '"':
                d = s[i]
                if d == "\\" and i + 1 < n and s[i + 1] in '$`"\\\n':
                    text.append(s[i + 1])
                    i += 2
                elif (
                    d == "$"
                    and i + 1 < n
                    and (
                        s[i + 1] in "({'"
                        or _NAME.match(s, i + 1)
                        or s[i + 1] in "0123456789@*#?$!-"
                    )
                ):
                    raw, i = _dollar(s, i, out)
                    text.append(raw)
                    plain = False
                elif d == "`":
                    end = _backtick_end(s, i + 1)
                    if end < 0:
                        out.ok = False
                        i = n
                        break
                    out.nested.append(s[i + 1 : end - 1])
                    text.append(s[i:end])
                    plain = False
                    i = end
                else:
                    text.append(d)
                    i += 1
            if i >= n:
                out.ok = False
            i += 1
            continue
        if c == "$":
            raw, i = _dollar(s, i, out)
            text.append(raw)
            plain = False
            continue
        if c == "`":
            end = _backtick_end(s, i + 1)
            if end < 0:
                out.ok = False
                text.append(s[i:])
                i = n
                break
            out.nested.append(s[i + 1 : end - 1])
            text.append(s[i:end])
            plain = False
            i = end
            continue
        if c in _GLOB or (c == "~" and i == start):
            plain = False
        if c == "=" and not assign and i > start and not quoted and "=" not in "".join(text):
            assign = bool(_NAME.fullmatch("".join(text)))
        text.append(c)
        i += 1
    return _Tok("word", "".join(text), plain=plain, assign=assign), quoted, i


def _heredoc_body(s: str, i: int, delim: str, *, quoted: bool, strip: bool, out: _Lexed) -> int:
    """Skip a heredoc body starting at ``s[i]``. With an unquoted delimiter the body is
    expanded by the shell, so substitutions in it are recorded as nested scripts."""
    n = len(s)
    while i < n:
        end = s.find("\n", i)
        line = s[i:] if end < 0 else s[i:end]
        nxt = n if end < 0 else end + 1
        if (line.lstrip("\t") if strip else line) == delim:
            return nxt
        if not quoted:
            _word_scan_substitutions(line, out)
        i = nxt
    out.ok = False
    return n


def _word_scan_substitutions(line: str, out: _Lexed) -> None:
    j = 0
    while j < len(line):
        if line.startswith("$(", j):
            end = _matching_paren(line, j + 2)
            if end < 0:
                out.ok = False
                return
            out.nested.append(line[j + 2 : end - 1])
            j = end
        elif line[j] == "`":
            end = _backtick_end(line, j + 1)
            if end < 0:
                out.ok = False
                return
            out.nested.append(line[j + 1 : end - 1])
            j = end
        else:
            j += 2 if line[j] == "\\" else 1


def split_command(script: str) -> list[list[str]] | None:
    """Split a plain script into the argv of each command it runs, or None when it is
    not plain (see the module docstring) and must be treated as one opaque command."""
    lexed = lex(script)
    if not lexed.ok or lexed.nested or lexed.comment or lexed.heredoc:
        return None
    segments: list[list[str]] = []
    current: list[str] = []
    last_sep = "\n"
    toks = lexed.tokens
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "word":
            if not tok.plain:
                return None
            if not current and (tok.assign or tok.text in _KEYWORDS):
                return None
            current.append(tok.text)
        elif tok.kind == "redir":
            target = toks[i + 1] if i + 1 < len(toks) else None
            if target is None or target.kind != "word" or not target.plain:
                return None
            harmless = (_FD_REDIRS.fullmatch(tok.text) and _FD_TARGET.fullmatch(target.text)) or (
                _DEVNULL_REDIRS.fullmatch(tok.text) and target.text == "/dev/null"
            )
            if not harmless:
                return None
            i += 1
        elif tok.text in ("&&", "||", ";", "|", "\n"):
            if not current:
                if tok.text == "\n":
                    i += 1
                    continue
                return None
            segments.append(current)
            current = []
            last_sep = tok.text
        else:
            return None
        i += 1
    if current:
        segments.append(current)
    elif last_sep in ("&&", "||", "|"):
        return None
    return segments or None


def all_word_runs(script: str, *, _depth: int = 0) -> list[list[str]]:
    """Every run of words that could be a command in ``script``, however complex it is:
    split at every operator, parenthesis and redirection (whose target is dropped),
    with leading assignments and keywords removed; substitutions are scanned too.
    Used only to find dangerous or forbidden commands, never to call a script safe."""
    lexed = lex(script)
    runs: list[list[str]] = []
    current: list[str] = []
    toks = lexed.tokens
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "word":
            if current or not (tok.assign or tok.text in _KEYWORDS):
                current.append(tok.text)
        else:
            if current:
                runs.append(current)
            current = []
            if tok.kind == "redir" and i + 1 < len(toks) and toks[i + 1].kind == "word":
                i += 1
        i += 1
    if current:
        runs.append(current)
    if _depth < 8:
        for inner in lexed.nested:
            runs += all_word_runs(inner, _depth=_depth + 1)
    return runs


def shell_script(argv: list[str]) -> str | None:
    """The script of ``bash -lc SCRIPT`` (also sh/zsh/dash, ``-c``, ``-l -c``), else None."""
    if len(argv) < 3:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if prog not in _SHELLS:
        return None
    flags = argv[1:-1]
    if flags in (["-c"], ["-lc"], ["-l", "-c"], ["-cl"]):
        return argv[-1]
    return None
