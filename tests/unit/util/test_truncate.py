"""Head+tail truncation: budgets, UTF-8 boundaries, the marker and the line-count header."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from burro.util.truncate import count_lines, format_capped_output, truncate_middle

MARKER = re.compile(r"\n…\[(\d+) bytes, (\d+) lines truncated\]…\n")


def test_short_text_is_returned_unchanged() -> None:
    assert truncate_middle("hello", max_bytes=5) == ("hello", 0)
    assert format_capped_output("a\nb\n", max_bytes=100) == "a\nb\n"


def test_long_text_keeps_head_and_tail_with_counts() -> None:
    text = "".join(f"line {i:04d}\n" for i in range(1000))  # 10 bytes per line
    out, removed = truncate_middle(text, max_bytes=400)
    assert len(out.encode()) <= 400
    assert out.startswith("line 0000\n") and out.endswith("line 0999\n")
    m = MARKER.search(out)
    assert m is not None
    assert int(m.group(1)) == removed == len(text) - (len(out) - len(m.group(0)))
    head, tail = out.split(m.group(0))
    assert int(m.group(2)) == text.count("\n") - head.count("\n") - tail.count("\n")


def test_cuts_never_split_a_multibyte_character() -> None:
    text = "é" * 1000 + "漢字" * 500 + "🙂" * 300
    for budget in range(60, 200, 7):
        out, removed = truncate_middle(text, max_bytes=budget)
        assert removed > 0
        assert len(out.encode()) <= budget
        assert "\ufffd" not in out


def test_zero_budget_gives_only_the_marker() -> None:
    out, removed = truncate_middle("abcdef" * 100, max_bytes=0)
    assert removed == 600
    assert MARKER.fullmatch(out)


def test_format_capped_output_prefixes_total_lines_when_cut() -> None:
    text = "x" * 50 + "\n" + "y" * 50 + "\n" + "z" * 50
    out = format_capped_output(text, max_bytes=80)
    assert out.startswith("Total output lines: 3\n\n")
    assert out.endswith("z" * 5)


def test_count_lines() -> None:
    assert count_lines("") == 0
    assert count_lines("a") == 1
    assert count_lines("a\n") == 1
    assert count_lines("a\nb") == 2


def test_five_megabyte_input_is_handled() -> None:
    text = ("0123456789" * 10 + "\n") * 50_000
    out = format_capped_output(text, max_bytes=10_000)
    assert out.startswith("Total output lines: 50000\n\n")
    assert len(out.encode()) < 10_100


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_result_fits_and_keeps_prefix_and_suffix(text: str, budget: int) -> None:
    out, removed = truncate_middle(text, max_bytes=budget)
    if removed == 0:
        assert out == text
        return
    m = MARKER.search(out)
    assert m is not None
    head, tail = out[: m.start()], out[m.end() :]
    assert text.startswith(head) and text.endswith(tail)
    if budget >= len(m.group(0).encode()):
        assert len(out.encode()) <= budget
