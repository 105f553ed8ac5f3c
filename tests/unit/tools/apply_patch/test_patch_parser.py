"""Parsing the patch format: structure, leniency and error messages."""

from __future__ import annotations

import pytest

from burro.tools.apply_patch import (
    AddFile,
    DeleteFile,
    PatchError,
    PatchParseError,
    UpdateFile,
    parse_patch,
)


def test_all_operation_kinds_in_order() -> None:
    patch = parse_patch(
        "*** Begin Patch\n"
        "*** Add File: a/new.txt\n+one\n+\n+three\n"
        "*** Delete File: gone.txt\n"
        "*** Update File: src/x.py\n*** Move to: src/y.py\n"
        "@@ class Foo:\n def f():\n-    return 1\n+    return 2\n"
        "@@\n-tail\n+TAIL\n*** End of File\n"
        "*** End Patch\n"
    )
    add, delete, update = patch.operations
    assert add == AddFile("a/new.txt", "one\n\nthree\n", line=2)
    assert isinstance(delete, DeleteFile) and delete.path == "gone.txt"
    assert isinstance(update, UpdateFile)
    assert (update.path, update.move_to) == ("src/x.py", "src/y.py")
    first, second = update.chunks
    assert first.anchor == "class Foo:"
    assert first.old_lines == ("def f():", "    return 1")
    assert first.new_lines == ("def f():", "    return 2")
    assert not first.end_of_file
    assert second.anchor is None and second.end_of_file
    assert second.old_lines == ("tail",) and second.new_lines == ("TAIL",)


def test_first_chunk_may_omit_header_and_empty_line_is_context() -> None:
    (op,) = parse_patch(
        "*** Begin Patch\n*** Update File: f\n a\n\n-b\n+c\n*** End Patch"
    ).operations
    assert isinstance(op, UpdateFile)
    assert op.chunks[0].old_lines == ("a", "", "b")
    assert op.chunks[0].new_lines == ("a", "", "c")


def test_crlf_patch_text_and_padded_markers() -> None:
    text = (
        "  *** Begin Patch \r\n   *** Update File: f.txt\r\n@@\r\n-a\r\n+b\r\n *** End Patch  \r\n"
    )
    (op,) = parse_patch(text).operations
    assert isinstance(op, UpdateFile)
    assert op.chunks[0].old_lines == ("a",) and op.chunks[0].new_lines == ("b",)


@pytest.mark.parametrize("opener", ["<<'EOF'", "<<EOF", '<<"EOF"', "apply_patch <<'EOF'"])
def test_heredoc_wrapped_patch(opener: str) -> None:
    text = f"{opener}\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF\n"
    assert parse_patch(text).operations == (DeleteFile("x", line=3),)


def test_unified_diff_style_header_is_not_an_anchor() -> None:
    (op,) = parse_patch(
        "*** Begin Patch\n*** Update File: f\n@@ -1,2 +1,2 @@\n-a\n+b\n*** End Patch"
    ).operations
    assert isinstance(op, UpdateFile) and op.chunks[0].anchor is None


def test_context_line_quoting_a_header_is_kept() -> None:
    (op,) = parse_patch(
        "*** Begin Patch\n*** Update File: notes.md\n@@\n *** Add File: x\n-a\n+b\n*** End Patch"
    ).operations
    assert isinstance(op, UpdateFile) and op.chunks[0].old_lines == ("*** Add File: x", "a")


def _error(text: str) -> PatchParseError:
    with pytest.raises(PatchParseError) as info:
        parse_patch(text)
    assert isinstance(info.value, PatchError)
    return info.value


def test_missing_begin_marker() -> None:
    err = _error("*** Update File: f\n*** End Patch")
    assert "first line" in str(err) and "*** Begin Patch" in str(err)


def test_missing_end_marker() -> None:
    err = _error("*** Begin Patch\n*** Delete File: f\n")
    assert "last line" in str(err) and "*** End Patch" in str(err)


def test_empty_patch_is_rejected() -> None:
    assert "no file operations" in str(_error("*** Begin Patch\n*** End Patch\n"))


def test_invalid_header_names_line_and_quotes_it() -> None:
    err = _error("*** Begin Patch\n*** Delete File: a\n*** Frobnicate File: foo\n*** End Patch")
    assert err.line == 3
    assert "line 3" in str(err) and "'*** Frobnicate File: foo'" in str(err)


def test_line_numbers_count_leading_blank_lines() -> None:
    err = _error("\n\n*** Begin Patch\nbogus\n*** End Patch")
    assert err.line == 4 and "'bogus'" in str(err)


def test_update_without_chunks() -> None:
    err = _error("*** Begin Patch\n*** Update File: foo.txt\n*** End Patch")
    assert err.line == 2 and "foo.txt" in str(err) and "no changes" in str(err)


def test_second_chunk_needs_header() -> None:
    err = _error("*** Begin Patch\n*** Update File: f\n@@\n-a\n+b\nstray\n*** End Patch")
    assert err.line == 6 and "'stray'" in str(err) and "@@" in str(err)


def test_chunk_with_no_lines() -> None:
    err = _error("*** Begin Patch\n*** Update File: f\n@@ def x\n*** End Patch")
    assert err.line == 3 and "no lines" in str(err)


def test_bad_first_line_of_chunk() -> None:
    err = _error("*** Begin Patch\n*** Update File: f\n@@\n?what\n*** End Patch")
    assert err.line == 4 and "'?what'" in str(err)


def test_missing_path() -> None:
    err = _error("*** Begin Patch\n*** Add File:   \n+x\n*** End Patch")
    assert err.line == 2 and "missing file path" in str(err)
