"""Applying patches to real files in a tmp dir: matching, line endings, moves, failures."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from burro.tools.apply_patch import PatchApplyError, PatchError, apply_patch, preview_patch


def _patch(*body: str) -> str:
    return "*** Begin Patch\n" + "".join(line + "\n" for line in body) + "*** End Patch\n"


def _update(path: str, *lines: str) -> str:
    return _patch(f"*** Update File: {path}", *lines)


def test_summary_lists_adds_then_updates_then_deletes(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("a\n")
    (tmp_path / "d.txt").write_text("x\n")
    out = apply_patch(
        _patch(
            "*** Delete File: d.txt",
            "*** Update File: m.txt",
            "-a",
            "+b",
            "*** Add File: n/new.txt",
            "+hi",
        ),
        cwd=tmp_path,
    )
    assert out.summary == "Success. Updated the following files:\nA n/new.txt\nM m.txt\nD d.txt"
    assert [c.kind for c in out.changes] == ["delete", "update", "add"]
    assert (tmp_path / "n/new.txt").read_text() == "hi\n"
    assert (tmp_path / "m.txt").read_text() == "b\n"
    assert not (tmp_path / "d.txt").exists()


def test_trailing_whitespace_in_file_still_matches(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("def f():   \n    return 1\t\n")
    apply_patch(_update("f.py", " def f():", "-    return 1", "+    return 2"), cwd=tmp_path)
    assert f.read_text() == "def f():   \n    return 2\n"


def test_indentation_difference_matches_on_strip_pass(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("if x:\n        y = 1\n")
    apply_patch(_update("f.py", "-    y = 1", "+        y = 2"), cwd=tmp_path)
    assert f.read_text() == "if x:\n        y = 2\n"


def test_typographic_quotes_and_dashes_match_ascii(tmp_path: Path) -> None:
    f = tmp_path / "doc.md"
    f.write_text(
        "He said \u201chello\u201d \u2014 it\u2019s fine\u00a0now\nend\n", encoding="utf-8"
    )
    apply_patch(_update("doc.md", '-He said "hello" - it\'s fine now', "+Done"), cwd=tmp_path)
    assert f.read_text(encoding="utf-8") == "Done\nend\n"


def test_exact_match_preferred_over_fuzzy(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x  \nx\n")
    apply_patch(_update("f.txt", "-x", "+y"), cwd=tmp_path)
    assert f.read_text() == "x  \ny\n"


def test_anchor_narrows_search(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("def a():\n    return 0\n\ndef b():\n    return 0\n")
    apply_patch(_update("f.py", "@@ def b():", "-    return 0", "+    return 1"), cwd=tmp_path)
    assert f.read_text() == "def a():\n    return 0\n\ndef b():\n    return 1\n"


def test_anchor_repeated_as_first_context_line(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("def a():\n    pass\n")
    apply_patch(
        _update("f.py", "@@ def a():", " def a():", "-    pass", "+    return"), cwd=tmp_path
    )
    assert f.read_text() == "def a():\n    return\n"


def test_pure_insertion_after_anchor(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("import os\nx = 1\n")
    apply_patch(_update("f.py", "@@ import os", "+import sys"), cwd=tmp_path)
    assert f.read_text() == "import os\nimport sys\nx = 1\n"


def test_end_of_file_chunk_matches_last_occurrence(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("end\nmiddle\nend\n")
    apply_patch(_update("f.txt", "@@", "-end", "+END", "*** End of File"), cwd=tmp_path)
    assert f.read_text() == "end\nmiddle\nEND\n"


def test_multiple_chunks_and_diff(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("".join(f"{i}\n" for i in range(1, 21)))
    (change,) = preview_patch(
        _update("f.txt", "@@", "-2", "+two", "@@", " 18", "-19", "+nineteen"), cwd=tmp_path
    )
    assert f.read_text().startswith("1\n2\n")  # preview does not write
    assert change.kind == "update"
    assert change.unified_diff.startswith("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n")
    assert "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n" in change.unified_diff


def test_move_writes_destination_and_removes_source(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    src = tmp_path / "old" / "a.sh"
    src.write_text("echo hi\n")
    src.chmod(0o755)
    out = apply_patch(
        _patch("*** Update File: old/a.sh", "*** Move to: new/dir/b.sh", "-echo hi", "+echo bye"),
        cwd=tmp_path,
    )
    dest = tmp_path / "new" / "dir" / "b.sh"
    assert dest.read_text() == "echo bye\n" and not src.exists()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755
    assert out.changes[0].move_path == "new/dir/b.sh"
    assert out.summary.endswith("M new/dir/b.sh")


def test_permission_bits_preserved_and_no_temp_files_left(tmp_path: Path) -> None:
    f = tmp_path / "run.sh"
    f.write_text("a\n")
    f.chmod(0o750)
    apply_patch(_update("run.sh", "-a", "+b"), cwd=tmp_path)
    assert stat.S_IMODE(f.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.sh"]


def test_symlinked_file_is_edited_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("a\n")
    (tmp_path / "link.txt").symlink_to(real)
    apply_patch(_update("link.txt", "-a", "+b"), cwd=tmp_path)
    assert (tmp_path / "link.txt").is_symlink() and real.read_text() == "b\n"


def test_crlf_file_keeps_crlf(tmp_path: Path) -> None:
    f = tmp_path / "win.txt"
    f.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    apply_patch(_update("win.txt", " one", "-two", "+TWO", "+2.5"), cwd=tmp_path)
    assert f.read_bytes() == b"one\r\nTWO\r\n2.5\r\nthree\r\n"


def test_mixed_endings_untouched_lines_keep_theirs(tmp_path: Path) -> None:
    f = tmp_path / "mixed.txt"
    f.write_bytes(b"a\r\nb\nc\r\nd\r\n")
    apply_patch(_update("mixed.txt", "-d", "+D"), cwd=tmp_path)
    assert f.read_bytes() == b"a\r\nb\nc\r\nD\r\n"


def test_file_without_final_newline_gains_one(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_bytes(b"a\nb")
    apply_patch(_update("f.txt", " a", "-b", "+c"), cwd=tmp_path)
    assert f.read_bytes() == b"a\nc\n"


def test_trailing_blank_lines_survive_an_edit(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_bytes(b"a\nb\n\n\n")
    apply_patch(_update("f.txt", "-a", "+A"), cwd=tmp_path)
    assert f.read_bytes() == b"A\nb\n\n\n"


def test_empty_file_insertion_and_add_without_lines(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    apply_patch(_update("e.txt", "@@", "+first"), cwd=tmp_path)
    assert (tmp_path / "e.txt").read_bytes() == b"first\n"
    apply_patch(_patch("*** Add File: empty.txt"), cwd=tmp_path)
    assert (tmp_path / "empty.txt").read_bytes() == b""


def test_deleting_every_line_leaves_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("only\n")
    apply_patch(_update("f.txt", "-only"), cwd=tmp_path)
    assert f.read_bytes() == b""


def test_unicode_content_and_path(tmp_path: Path) -> None:
    f = tmp_path / "café.txt"
    f.write_text("naïve 日本語\n🙂 ok\n", encoding="utf-8")
    apply_patch(_update("café.txt", " naïve 日本語", "-🙂 ok", "+🎉 done"), cwd=tmp_path)
    assert f.read_text(encoding="utf-8") == "naïve 日本語\n🎉 done\n"


def test_bom_and_non_utf8_bytes_are_preserved(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_bytes(b"\xef\xbb\xbfhead\nlatin \xe9\nx\n")
    apply_patch(_update("f.txt", "-x", "+y"), cwd=tmp_path)
    assert f.read_bytes() == b"\xef\xbb\xbfhead\nlatin \xe9\ny\n"


def test_failure_half_way_keeps_earlier_ops_and_leaves_target_identical(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("1\n")
    target = tmp_path / "bad.txt"
    target.write_bytes(b"keep\r\nme")
    (tmp_path / "later.txt").write_text("z\n")
    patch = _patch(
        "*** Update File: ok.txt",
        "-1",
        "+2",
        "*** Update File: bad.txt",
        "-not there",
        "-either",
        "+x",
        "*** Delete File: later.txt",
    )
    with pytest.raises(PatchApplyError) as info:
        apply_patch(patch, cwd=tmp_path)
    err = info.value
    assert str(err) == "Failed to find expected lines in bad.txt:\nnot there\neither"
    assert err.path == "bad.txt"
    assert [c.path for c in err.applied] == ["ok.txt"]
    assert (tmp_path / "ok.txt").read_text() == "2\n"
    assert target.read_bytes() == b"keep\r\nme"
    assert (tmp_path / "later.txt").exists()


def test_missing_anchor_message(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_text("x\n")
    with pytest.raises(PatchError, match=r"^Failed to find context 'def nope\(\):' in f.py$"):
        apply_patch(_update("f.py", "@@ def nope():", "-x", "+y"), cwd=tmp_path)


def test_update_of_missing_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(PatchError, match=r"missing\.txt: file does not exist"):
        apply_patch(_update("missing.txt", "-a", "+b"), cwd=tmp_path)
    with pytest.raises(PatchError, match="Failed to update d: path is not a regular file"):
        apply_patch(_update("d", "-a", "+b"), cwd=tmp_path)


def test_delete_directory_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(PatchError, match="path is a directory"):
        apply_patch(_patch("*** Delete File: d"), cwd=tmp_path)
    assert (tmp_path / "d").is_dir()


def test_preview_sees_earlier_operations_of_the_same_patch(tmp_path: Path) -> None:
    patch = _patch("*** Add File: n.txt", "+a", "*** Update File: n.txt", "-a", "+b")
    changes = preview_patch(patch, cwd=tmp_path)
    assert [c.kind for c in changes] == ["add", "update"]
    assert not (tmp_path / "n.txt").exists()
    apply_patch(patch, cwd=tmp_path)
    assert (tmp_path / "n.txt").read_text() == "b\n"


def test_preview_fails_like_apply_and_writes_nothing(tmp_path: Path) -> None:
    patch = _patch("*** Add File: n.txt", "+a", "*** Delete File: missing.txt")
    with pytest.raises(PatchApplyError, match=r"missing\.txt"):
        preview_patch(patch, cwd=tmp_path)
    assert os.listdir(tmp_path) == []


def test_absolute_paths_are_accepted(tmp_path: Path) -> None:
    target = tmp_path / "abs.txt"
    out = apply_patch(_patch(f"*** Add File: {target}", "+x"), cwd=tmp_path / "elsewhere")
    assert target.read_text() == "x\n" and out.changes[0].path == str(target)
