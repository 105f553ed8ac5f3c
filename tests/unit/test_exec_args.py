"""`burro exec` reads its arguments without click (burro.cli._fast) for a quicker start.
Whatever that reader accepts must mean exactly what click makes of it, and whatever it is
unsure of is left to click: checked here on the usual invocations and on thousands of
generated argument lists that mix every option's spellings with good and bad values."""

from __future__ import annotations

import random
from typing import Any

import click
import pytest

from burro.cli import _spec
from burro.cli._exec import exec_cmd
from burro.cli._fast import parse


def _click(argv: list[str]) -> dict[str, Any] | None:
    """click's values for `burro exec ARGV`, or None when click refuses it (or prints
    help)."""
    try:
        with exec_cmd.make_context("exec", list(argv)) as ctx:
            return dict(ctx.params)
    except (click.UsageError, click.exceptions.Exit):
        return None


def _fast(argv: list[str]) -> dict[str, Any] | None:
    parsed = parse(_spec.EXEC, argv)
    if parsed is None:
        return None
    args, values = parsed
    return {"args": args, **values}


USUAL = [
    ["say hi"],
    ["-m", "gpt-5.5", "fix the test"],
    ["fix the test", "-m", "gpt-5.5"],
    ["--json", "-s", "workspace-write", "update the changelog"],
    ["-c", 'model="o3"', "-c", "model_reasoning_effort=high", "-"],
    ["-cmodel=o3", "--config=approval_policy=never", "hi"],
    ["--model=gpt-5.5", "-o", "out.txt", "--output-schema", "s.json", "hi"],
    ["-i", "a.png", "--image", "b.png", "--image=c.png", "-ishot.png", "describe"],
    ["--full-auto", "--skip-git-repo-check", "--ephemeral", "-C", "/tmp", "go"],
    ["resume", "--last", "now add a test"],
    ["resume", "0199a2", "next"],
    ["--max-turns", "3", "--max-tokens=1000", "--max-minutes", "0.5", "x"],
    ["--completion-nudges", "0", "--color", "never", "--add-dir", "/srv", "x"],
    ["--yolo", "--oss", "--local-provider", "lmstudio", "x"],
    ["--", "--json looks like an option but is the prompt"],
    ["-m", "-weird-model-name", "x"],
]


@pytest.mark.parametrize("argv", USUAL, ids=lambda a: " ".join(a)[:40])
def test_the_usual_invocations_skip_click_and_mean_the_same(argv: list[str]) -> None:
    fast = _fast(argv)
    assert fast is not None, "the click-free reader should take this"
    assert fast == _click(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h"],
        ["--no-such-option", "x"],
        ["-Z", "x"],
        ["--json=yes", "x"],
        ["-m"],
        ["--model"],
        ["--max-turns", "0", "x"],
        ["--max-turns", "two", "x"],
        ["--max-minutes", "0", "x"],
        ["-s", "everything", "x"],
        ["--color", "sometimes", "x"],
    ],
    ids=lambda a: " ".join(a),
)
def test_what_the_reader_is_unsure_of_goes_to_click(argv: list[str]) -> None:
    assert _fast(argv) is None
    assert _click(argv) is None  # click reports these (usage error or help)


def _tokens(rng: random.Random) -> list[str]:
    values = ["v", "", "-", "-x", "=", "a=b", "0", "1", "-1", "2.5", "nan", "inf", " 3", "1_0"]
    values += [*list(_spec.SANDBOXES), "always", "never", "auto", "resume", "--", "--json"]
    out: list[str] = []
    for _ in range(rng.randint(0, 7)):
        kind = rng.random()
        if kind < 0.25:
            out.append(rng.choice(["prompt", "two words", "-", "resume", "--", "", "x"]))
            continue
        opt = rng.choice(_spec.EXEC)
        name = rng.choice(opt.names)
        value = rng.choice(values)
        if kind < 0.3:
            out.append(rng.choice(["--nope", "-Z", "-h", "--help", "--json=1", "-mZ"]))
        elif opt.flag or kind < 0.6:
            out += [name] if opt.flag else [name, value]
        elif name.startswith("--"):
            out.append(f"{name}={value}")
        else:
            out.append(name + value)
    return out


def _same(a: dict[str, Any], b: dict[str, Any] | None) -> bool:
    """Equal values (compared as text: click also takes `nan` minutes, and nan != nan)."""
    return b is not None and repr(sorted(a.items())) == repr(sorted(b.items()))


def test_generated_argument_lists_agree_with_click() -> None:
    rng = random.Random(20261130)
    taken = 0
    for _ in range(4000):
        argv = _tokens(rng)
        fast = _fast(argv)
        if fast is not None:
            taken += 1
            assert _same(fast, _click(argv)), argv
    assert taken > 1000  # the comparison covers a good share of what the reader takes
