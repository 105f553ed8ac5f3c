"""The core's ``Review`` op through a scripted model: a read-only child session whose
answer becomes typed findings in the parent's stream and history; a malformed answer
is a clear error; findings outside the change are set apart."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from burro.protocol.events import (
    EnteredReviewMode,
    Error,
    ExecCommandEnd,
    ExitedReviewMode,
    TurnComplete,
    TurnFailed,
)
from burro.protocol.ops import Review, UserTurn
from burro.protocol.review import Custom, Uncommitted
from tests.fakes.scripted import Run, ScriptedModel, calls, gated, say, start, texts
from tests.review.answers import answer, finding

pytestmark = pytest.mark.asyncio


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    """A repository whose calc.py has uncommitted changes on lines 3-4 (of 40)."""
    root = tmp_path / "work"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    lines = [f"x{i} = {i}" for i in range(1, 41)]
    (root / "calc.py").write_text("\n".join(lines) + "\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    lines[2:4] = ["def total(xs):", "    return sum(xs[1:])"]
    (root / "calc.py").write_text("\n".join(lines) + "\n")
    return root


async def review(run: Run, target: object = None, *, focus: str = "") -> TurnComplete | TurnFailed:
    before = len(run.of(TurnComplete)) + len(run.of(TurnFailed))
    run.handle.submit(Review(target=target or Uncommitted(), focus=focus))  # type: ignore[arg-type]
    await run.wait_for(lambda _e: len(run.of(TurnComplete)) + len(run.of(TurnFailed)) > before)
    ends = [e.event for e in run.events if isinstance(e.event, TurnComplete | TurnFailed)]
    return ends[-1]


async def test_review_op_emits_typed_findings_and_the_conversation_goes_on(
    changed: Path, burro_home: Path
) -> None:
    calc = changed / "calc.py"
    model = ScriptedModel(
        calls(("shell", {"command": ["git", "diff", "HEAD"]})),
        say(
            answer(
                finding("[P1] Skips the first item", calc, 4, 4, priority=1),
                finding("[P2] Old constant", calc, 30, 31, priority=2),
            )
        ),
        say("Fixed finding 1."),
    )
    run = await start(changed, burro_home, model)
    end = await review(run, focus="the sum")
    assert isinstance(end, TurnComplete), end
    [entered] = run.of(EnteredReviewMode)
    assert entered.hint == "current changes" and entered.turn_id == end.turn_id
    # The reviewer's command is shown under the review turn.
    [cmd] = run.of(ExecCommandEnd)
    assert cmd.turn_id == end.turn_id and "def total" in cmd.aggregated_output
    [exited] = run.of(ExitedReviewMode)
    assert exited.output is not None and exited.scope is not None
    [inside] = exited.output.findings
    assert (inside.title, inside.priority, inside.file, inside.start) == (
        "[P1] Skips the first item",
        1,
        "calc.py",
        4,
    )
    # Line 30 is not part of the change: set apart for the summary.
    assert [f.title for f in exited.output.outside] == ["[P2] Old constant"]
    assert exited.scope.anchor(inside) == (4, 4)
    assert not exited.output.verdict.correct
    # The child asked for the reviewer's JSON shape, with the review instructions and
    # no writing tools.
    child = model.prompts[0]
    assert child.output_schema is not None and "findings" in json.dumps(child.output_schema)
    assert child.instructions is not None and "[P0]" in child.instructions
    names = {t.name for t in child.tools}
    assert names & {"shell", "exec_command"} and "apply_patch" not in names
    # The findings are in the parent's history: "fix finding 1" has something to refer to.
    result = await run.turn("fix finding 1")
    assert result.status == "completed"
    history = "\n".join(texts(model.prompts[2]))
    assert "1. [P1] Skips the first item — calc.py:4-4" in history
    assert "2. [P2] Old constant — calc.py:30-31 (outside the change)" in history
    await run.close()


async def test_a_malformed_answer_is_a_clear_error_and_the_session_stays_usable(
    changed: Path, burro_home: Path
) -> None:
    model = ScriptedModel(say("Looks fine to me, ship it."), say("still here"))
    run = await start(changed, burro_home, model)
    end = await review(run)
    assert isinstance(end, TurnFailed)
    assert end.error.code == "malformed_response"
    assert "no review JSON" in end.error.message and "run the review again" in end.error.message
    [exited] = run.of(ExitedReviewMode)
    assert exited.output is None
    assert (await run.turn("hello")).last_message == "still here"
    await run.close()


async def test_the_reviewer_cannot_write_even_when_the_session_may(
    changed: Path, burro_home: Path
) -> None:
    # The parent runs with danger-full-access and approval never (settings_for's default).
    model = ScriptedModel(
        calls(("shell", {"command": ["bash", "-c", "echo pwned > written.txt"]})),
        say(answer()),
    )
    run = await start(changed, burro_home, model)
    end = await review(run)
    assert isinstance(end, TurnComplete), end
    [cmd] = run.of(ExecCommandEnd)
    assert cmd.exit_code != 0, cmd
    assert not (changed / "written.txt").exists()
    await run.close()


async def test_custom_instructions_are_not_confined_and_empty_ones_are_refused(
    changed: Path, burro_home: Path
) -> None:
    calc = changed / "calc.py"
    model = ScriptedModel(say(answer(finding("[P2] Naming", calc, 30, 30, priority=2))))
    run = await start(changed, burro_home, model)
    end = await review(run, Custom(instructions="Review the naming in calc.py"))
    assert isinstance(end, TurnComplete), end
    [exited] = run.of(ExitedReviewMode)
    assert exited.output is not None and [f.start for f in exited.output.findings] == [30]
    assert "Review the naming in calc.py" in texts(model.prompts[0])[-1]
    end = await review(run, Custom(instructions="  "))
    assert isinstance(end, TurnFailed) and end.error.code == "bad_request"
    assert "instructions are empty" in end.error.message
    await run.close()


async def test_a_review_is_refused_while_a_turn_runs(changed: Path, burro_home: Path) -> None:
    import asyncio

    release = asyncio.Event()

    async def gate() -> None:
        await release.wait()

    model = ScriptedModel(lambda _p: gated([], gate, say("done")))
    run = await start(changed, burro_home, model)
    run.handle.submit(UserTurn(items=[]))
    run.handle.submit(Review(target=Uncommitted()))
    err = await run.wait_for(lambda e: isinstance(e, Error))
    assert isinstance(err, Error) and "a turn is running" in err.error.message
    release.set()
    await run.wait_for(lambda e: isinstance(e, TurnComplete))
    assert not run.of(EnteredReviewMode)
    await run.close()


async def test_a_review_takes_no_input_and_an_interrupt_ends_it_cleanly(
    changed: Path, burro_home: Path
) -> None:
    import asyncio

    from burro.protocol.events import TurnAborted, TurnStarted
    from burro.protocol.items import TextPart
    from burro.protocol.ops import Interrupt

    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()  # the reviewer never answers

    model = ScriptedModel(lambda _p: gated([], hang, say("never")), say("still here"))
    run = await start(changed, burro_home, model)
    run.handle.submit(Review(target=Uncommitted()))
    await asyncio.wait_for(started.wait(), 20)
    run.handle.submit(UserTurn(items=[TextPart(text="and also this")]))
    err = await run.wait_for(lambda e: isinstance(e, Error))
    assert isinstance(err, Error) and "a review is running" in err.error.message
    run.handle.submit(Interrupt())
    aborted = await run.wait_for(lambda e: isinstance(e, TurnAborted))
    [exited] = run.of(ExitedReviewMode)
    assert exited.output is None and exited.turn_id == aborted.turn_id  # type: ignore[attr-defined]
    # Nothing of the refused input or the review leaked into the next turn.
    assert (await run.turn("hello")).last_message == "still here"
    assert "and also this" not in "\n".join(texts(model.prompts[-1]))
    assert len(run.of(TurnStarted)) == 2
    await run.close()


async def test_a_review_cannot_be_steered_even_after_an_earlier_turn(
    changed: Path, burro_home: Path
) -> None:
    import asyncio

    from burro.protocol.events import TurnAborted
    from burro.protocol.items import TextPart
    from burro.protocol.ops import Interrupt, SteerTurn

    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()

    model = ScriptedModel(say("first"), lambda _p: gated([], hang, say("never")), say("after"))
    run = await start(changed, burro_home, model)
    assert (await run.turn("hello")).last_message == "first"  # a finished turn exists
    run.handle.submit(Review(target=Uncommitted()))
    await asyncio.wait_for(started.wait(), 20)
    run.handle.submit(SteerTurn(items=[TextPart(text="steered into the review")]))
    err = await run.wait_for(lambda e: isinstance(e, Error))
    assert isinstance(err, Error) and "a review is running" in err.error.message
    run.handle.submit(Interrupt())
    await run.wait_for(lambda e: isinstance(e, TurnAborted))
    assert (await run.turn("next")).last_message == "after"
    assert "steered into the review" not in "\n".join(texts(model.prompts[-1]))
    await run.close()
