"""Unified diffs (hunks only, no file headers) built from the edits the applier made.

The applier knows exactly which line ranges it replaced, so only those small ranges are
compared line by line; the rest of the file is never diffed. That keeps a one-line edit
in a huge file cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

_CONTEXT = 3

# (old_start, old_end, new_start, new_end) of one changed region, in whole-file indices
Region = tuple[int, int, int, int]


def _range(start: int, length: int) -> str:
    first = start + 1 if length else start
    return str(first) if length == 1 else f"{first},{length}"


def regions_from_edits(
    old: Sequence[str], edits: Sequence[tuple[int, int, Sequence[str]]]
) -> list[Region]:
    """Changed regions for edits (start, old_len, new_lines) sorted by start."""
    from difflib import SequenceMatcher

    regions: list[Region] = []
    shift = 0
    for start, old_len, new in edits:
        seg = old[start : start + old_len]
        matcher = SequenceMatcher(None, seg, new, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag != "equal":
                regions.append((start + a1, start + a2, start + shift + b1, start + shift + b2))
        shift += len(new) - old_len
    return regions


def unified_diff(old: Sequence[str], new: Sequence[str], regions: Sequence[Region]) -> str:
    """Render ``regions`` (sorted, non-overlapping) of old -> new as unified-diff hunks."""
    out: list[str] = []
    k = 0
    while k < len(regions):
        group = [regions[k]]
        k += 1
        while k < len(regions) and regions[k][0] - group[-1][1] <= 2 * _CONTEXT:
            group.append(regions[k])
            k += 1
        first, last = group[0], group[-1]
        i_start = max(0, first[0] - _CONTEXT)
        i_end = min(len(old), last[1] + _CONTEXT)
        j_start = first[2] - (first[0] - i_start)
        j_end = last[3] + (i_end - last[1])
        out.append(
            f"@@ -{_range(i_start, i_end - i_start)} +{_range(j_start, j_end - j_start)} @@\n"
        )
        i = i_start
        for a1, a2, b1, b2 in group:
            out.extend(f" {line}\n" for line in old[i:a1])
            out.extend(f"-{line}\n" for line in old[a1:a2])
            out.extend(f"+{line}\n" for line in new[b1:b2])
            i = a2
        out.extend(f" {line}\n" for line in old[i:i_end])
    text = "".join(out)
    # Lines may carry surrogate escapes of undecodable bytes; show them as U+FFFD.
    return text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")


def whole_file_diff(old: Sequence[str], new: Sequence[str]) -> str:
    """Diff of a file created from nothing or deleted entirely."""
    if not old and not new:
        return ""
    return unified_diff(old, new, [(0, len(old), 0, len(new))])
